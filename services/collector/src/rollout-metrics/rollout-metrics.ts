import type { RolloutStore } from '@rollout-guard/shared/store';
import { Gauge, Registry } from 'prom-client';
import { rolloutView } from '../api/rollout-view.ts';
import {
  ROLLOUT_METRICS,
  type RolloutMetricName,
  type RolloutSample,
  rolloutSamples,
} from './rollout-samples.ts';

export interface RolloutMetricsOptions {
  /** Active rollouts exposed at most (by name); past it `rollout_guard_rollout_metrics_truncated` is 1. */
  readonly maxRollouts: number;
  /** How long one scrape may read Redis; past it the scrape fails (the target is down for that scrape). */
  readonly timeoutMs: number;
}

/** Decisions read per rollout: a wave's checkpoint verdict is among its latest few. */
const RECENT_DECISIONS = 20;

export class RolloutMetricsTimeoutError extends Error {
  override name = 'RolloutMetricsTimeoutError';
}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new RolloutMetricsTimeoutError(`reading the rollouts for their metrics took over ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The registry of `/metrics/rollouts`: each scrape reads the active rollouts (`rg:active`, at most
 * `maxRollouts`) and their state from Redis, as `GET /api/v1/rollouts/{name}` does, so every collector replica
 * serves the same values. Only active rollouts are there: an ended one's series disappear with it.
 */
export function createRolloutMetrics(store: RolloutStore, options: RolloutMetricsOptions): Registry {
  // prom-client collects every metric of a scrape at once; they share one read of Redis per scrape.
  let pending: Promise<Snapshot> | null = null;
  const snapshot = () => {
    pending ??= readSnapshot(store, options).finally(() => {
      pending = null;
    });
    return pending;
  };
  const registry = new Registry();
  registry.registerMetric(
    new Gauge({
      name: 'rollout_guard_rollout_metrics_rollouts',
      help: 'Active rollouts in this exposition',
      registers: [],
      async collect() {
        this.set((await snapshot()).rollouts);
      },
    }),
  );
  registry.registerMetric(
    new Gauge({
      name: 'rollout_guard_rollout_metrics_truncated',
      help: '1 when there are more active rollouts than ROLLOUT_METRICS_MAX_ROLLOUTS and some were left out',
      registers: [],
      async collect() {
        this.set((await snapshot()).truncated ? 1 : 0);
      },
    }),
  );
  for (const [name, { help, labels }] of Object.entries(ROLLOUT_METRICS)) {
    registry.registerMetric(
      new Gauge({
        name,
        help,
        labelNames: labels,
        registers: [],
        async collect() {
          const samples = (await snapshot()).samples.get(name as RolloutMetricName) ?? [];
          this.reset();
          for (const sample of samples) this.set(sample.labels, sample.value);
        },
      }),
    );
  }
  return registry;
}

interface Snapshot {
  readonly rollouts: number;
  readonly truncated: boolean;
  readonly samples: ReadonlyMap<RolloutMetricName, RolloutSample[]>;
}

/** The active rollouts (at most `maxRollouts`, by name) as the API sees them, within `timeoutMs`. */
async function readSnapshot(store: RolloutStore, options: RolloutMetricsOptions): Promise<Snapshot> {
  const read = async () => {
    const names = (await store.listActive()).map((view) => view.name).sort();
    const kept = names.slice(0, options.maxRollouts);
    const views = await Promise.all(
      kept.map(async (name) => {
        const found = await store.getRollout(name);
        if (found === null) return null;
        const decisions = await store.listDecisions(name, { limit: RECENT_DECISIONS });
        return rolloutView(found.spec, found.spec.version, found.state, decisions);
      }),
    );
    return { names, views: views.filter((view) => view !== null) };
  };
  const { names, views } = await within(read(), options.timeoutMs);
  const samples = new Map<RolloutMetricName, RolloutSample[]>();
  for (const sample of views.flatMap(rolloutSamples)) {
    const list = samples.get(sample.metric) ?? [];
    list.push(sample);
    samples.set(sample.metric, list);
  }
  return { rollouts: views.length, truncated: names.length > options.maxRollouts, samples };
}
