import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { IngestRuntime } from './ingest-runtime.ts';

export type Protocol = 'otlp' | 'remote-write';

/** The ingest path's own metrics (PRODUCT.md §2 `/metrics`), one set per registry. */
export interface IngestMetrics {
  received: Counter<'protocol'>;
  accepted: Counter<'protocol'>;
  rejected: Counter<'protocol' | 'reason'>;
  dropped: Counter<'protocol' | 'reason'>;
  cardinalityRefused: Counter<'rollout'>;
  requestDuration: Histogram<'protocol' | 'status'>;
  batchPoints: Histogram<'protocol'>;
  redisWriteDuration: Histogram<never>;
  scriptRetries: Counter<'reason'>;
}

const perRegistry = new WeakMap<Registry, IngestMetrics>();

/** Both ingest routes share one set: created on first use for a registry, reused after. */
export function ingestMetrics(registry: Registry): IngestMetrics {
  const known = perRegistry.get(registry);
  if (known !== undefined) return known;
  const registers = [registry];
  const metrics: IngestMetrics = {
    received: new Counter({
      name: 'rollout_guard_ingest_points_received_total',
      help: 'Data points decoded from ingest requests, before matching.',
      labelNames: ['protocol'] as const,
      registers,
    }),
    accepted: new Counter({
      name: 'rollout_guard_ingest_points_accepted_total',
      help: 'Data points stored, counted once per rollout they count for.',
      labelNames: ['protocol'] as const,
      registers,
    }),
    rejected: new Counter({
      name: 'rollout_guard_ingest_points_rejected_total',
      help: 'Data points refused and reported to the sender (invalid, over a limit, over the cardinality cap).',
      labelNames: ['protocol', 'reason'] as const,
      registers,
    }),
    dropped: new Counter({
      name: 'rollout_guard_ingest_points_dropped_total',
      help: 'Valid data points that count for no active rollout, by why (not an error for the sender).',
      labelNames: ['protocol', 'reason'] as const,
      registers,
    }),
    cardinalityRefused: new Counter({
      name: 'rollout_guard_ingest_cardinality_refused_total',
      help: 'Data points of new series refused because the rollout is at its cap of active series.',
      labelNames: ['rollout'] as const,
      registers,
    }),
    requestDuration: new Histogram({
      name: 'rollout_guard_ingest_request_duration_seconds',
      help: 'Time to answer an ingest request, from the first byte read to the answer.',
      labelNames: ['protocol', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    batchPoints: new Histogram({
      name: 'rollout_guard_ingest_batch_points',
      help: 'Data points per ingest request.',
      labelNames: ['protocol'] as const,
      buckets: [1, 10, 100, 500, 1000, 2000, 5000, 10_000, 50_000],
      registers,
    }),
    redisWriteDuration: new Histogram({
      name: 'rollout_guard_ingest_redis_write_seconds',
      help: 'Time to store one batch in Redis (every rollout it touched, in parallel).',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    scriptRetries: new Counter({
      name: 'rollout_guard_ingest_script_retries_total',
      help:
        'Ingest script calls repeated: "changed" when Redis held other series states than this collector ' +
        'computed from (another collector wrote them, Redis lost data), "cap" when new series met the cardinality cap, ' +
        '"unvouched" when a call left out the states it vouched for and the hash had been written by another call since.',
      labelNames: ['reason'] as const,
      registers,
    }),
  };
  perRegistry.set(registry, metrics);
  return metrics;
}

const watched = new WeakSet<Registry>();

/**
 * `rollout_guard_ingest_series_remembered{memory}`: what `runtime` remembers between requests, and
 * `rollout_guard_ingest_series_forgotten_total{memory,why}`: what it forgot, both read at each scrape
 * (the collector's memory follows the first; the second says whether a bound is too small). Once per
 * registry: both ingest routes call it.
 */
export function watchRememberedSeries(registry: Registry, runtime: IngestRuntime): void {
  if (watched.has(registry)) return;
  watched.add(registry);
  new Gauge({
    name: 'rollout_guard_ingest_series_remembered',
    help:
      'Series ingest remembers between requests, by memory: "remote-write" label sets, "otlp" and "otlp-json" ' +
      'series, "states" (one per series and rollout: its cumulative state and cap mark), "ids" (series ids ' +
      'by key, for points no decoder recognises). All but the ids forget a series no request sent for ' +
      'INGEST_SERIES_IDLE_MS within as long again; past their bounds label sets and states are dropped whole, ' +
      'OTLP series oldest first and ids least recently used first.',
    labelNames: ['memory'] as const,
    registers: [registry],
    collect() {
      for (const [memory, held] of memoriesOf(runtime)) this.set({ memory }, held.size);
    },
  });
  new Counter({
    name: 'rollout_guard_ingest_series_forgotten_total',
    help:
      'Series ingest forgot, by memory (as rollout_guard_ingest_series_remembered) and why: "idle", no request ' +
      'sent them for INGEST_SERIES_IDLE_MS; "full", forgotten to make room. A steady "full" means the memory ' +
      'is too small for the series sent: each is decoded, matched or read from Redis again when it comes back.',
    labelNames: ['memory', 'why'] as const,
    registers: [registry],
    collect() {
      // The memories count from their start: the counter shows their totals.
      this.reset();
      for (const [memory, held] of memoriesOf(runtime)) {
        const { idle, full } = held.forgotten;
        this.inc({ memory, why: 'idle' }, idle);
        this.inc({ memory, why: 'full' }, full);
      }
    },
  });
}

/** The runtime's memories of series, by their `memory` label: how many each holds and has forgotten. */
function memoriesOf(runtime: IngestRuntime) {
  type Memory = {
    readonly size: number;
    readonly forgotten: { readonly idle: number; readonly full: number };
  };
  return Object.entries({
    'remote-write': runtime.remoteWriteLabels,
    otlp: runtime.otlpSeries,
    'otlp-json': runtime.otlpJsonSeries,
    states: runtime.seriesStates,
    ids: runtime.seriesFacts.ids,
  } satisfies Record<string, Memory>);
}

/** Reasons become label values: keep them short and free of per-request detail. */
export function reasonLabel(reason: string): string {
  return reason.length > 80 ? `${reason.slice(0, 79)}…` : reason;
}
