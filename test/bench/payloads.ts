import snappy from 'snappy';
import { ExportMetricsServiceRequest } from '../../services/collector/src/protocols/otlp-schema.ts';
import { encodeWriteRequest } from '../../services/collector/src/protocols/remote-write-schema.ts';

/** The metric the benchmarks' rollouts read (one rollout for all senders); every other name is traffic no rollout wants. */
export const ROLLOUT_METRIC = 'bench_requests_total';
export const BENCH_FLAG = 'bench-flag';

/** What each series' sample is: a rising counter, a gauge with varied values, or a classic histogram's part. */
export type ValueKind = 'counter' | 'gauge' | 'histogram';

/** A classic histogram's bucket bounds (Prometheus' client defaults); each histogram is these, +Inf, _sum and _count. */
export const HISTOGRAM_BOUNDS = [
  '0.005',
  '0.01',
  '0.025',
  '0.05',
  '0.1',
  '0.25',
  '0.5',
  '1',
  '2.5',
  '5',
  '10',
];
/** Remote-write series per classic histogram: a bucket per bound, +Inf, `_sum`, `_count`. */
export const SERIES_PER_HISTOGRAM = HISTOGRAM_BOUNDS.length + 3;

export interface PayloadPlan {
  /** Distinguishes the series of one scenario from another's (Prometheus refuses out-of-order samples). */
  readonly scenario: string;
  readonly senders: number;
  /** Remote-write series (one sample each) per request; histograms round it down to whole histograms. */
  readonly seriesPerRequest: number;
  readonly requestsPerSender: number;
  /** Share of each request's series that an active rollout reads (1 or 0.01). */
  readonly matchingShare: number;
  /** Timestamp (ms) of request 0; each next request is one second later. */
  readonly startMs: number;
  /**
   * The first request's number (default 0): a plan that goes on where another of the same series
   * ended starts at its `requestsPerSender`, so times and counters carry on rising.
   */
  readonly firstRequest?: number;
  /** Labels per series, `__name__` included (3 to 15; default 9). Histogram buckets carry `le` on top. */
  readonly labelsPerSeries?: number;
  /** Default: counters. */
  readonly kind?: ValueKind;
  /**
   * Whether each sender's matching series carry a metric name of their own (`bench_s2_requests_total`),
   * for a rollout per sender (see `rolloutMetric`); default: one name for all, `ROLLOUT_METRIC` for counters.
   */
  readonly rolloutPerSender?: boolean;
}

const KIND_METRICS: Record<ValueKind, string> = {
  counter: 'requests_total',
  gauge: 'queue_depth',
  histogram: 'request_duration_seconds',
};

/** The name a rollout reads for a value kind: `bench_requests_total`, or with `sender`, `bench_s<sender>_requests_total`. */
export function rolloutMetric(kind: ValueKind, sender?: number): string {
  return sender === undefined ? `bench_${KIND_METRICS[kind]}` : `bench_s${sender}_${KIND_METRICS[kind]}`;
}

/** The name of a series no rollout reads (one of 50 per kind, as a sender's other metrics). */
function otherMetric(kind: ValueKind, i: number): string {
  return `other_${i % 50}_${KIND_METRICS[kind]}`;
}

/**
 * The labels after `__name__`, in the order a plan's `labelsPerSeries` takes them: 3 keeps the variant and
 * the instance, 9 adds the flag key, job, method, route, series number and status; 15 six more
 * (cluster, container, namespace, pod, region, service).
 */
const LABELS: readonly [string, (plan: PayloadPlan, sender: number, i: number) => string][] = [
  ['feature_flag_result_variant', (_p, _s, i) => (i % 2 === 0 ? 'on' : 'off')],
  // Without the `series` label (fewer than 8 labels) the instance tells the series apart.
  ['instance', (p, s, i) => `${p.scenario}-sender-${s}${labelCount(p) < 8 ? `-series-${i}` : ''}:9100`],
  ['feature_flag_key', () => BENCH_FLAG],
  ['job', () => 'bench'],
  ['method', (_p, _s, i) => (i % 3 === 0 ? 'POST' : 'GET')],
  ['route', (_p, _s, i) => `/api/v1/items/${i % 40}`],
  ['series', (_p, _s, i) => String(i)],
  ['status', (_p, _s, i) => (i % 7 === 0 ? '500' : '200')],
  ['cluster', (_p, _s, i) => `eu-${i % 3}`],
  ['container', () => 'app'],
  ['namespace', (_p, _s, i) => `team-${i % 5}`],
  ['pod', (_p, s, i) => `app-${s}-${(i % 20).toString(36)}`],
  ['region', (_p, _s, i) => (i % 2 === 0 ? 'eu-west-1' : 'us-east-1')],
  ['service', (_p, _s, i) => `svc-${i % 12}`],
];

function labelCount(plan: PayloadPlan): number {
  const count = plan.labelsPerSeries ?? 9;
  if (!Number.isInteger(count) || count < 3 || count > LABELS.length + 1) {
    throw new Error(`labelsPerSeries is ${count}; expected a whole number from 3 to ${LABELS.length + 1}`);
  }
  return count;
}

/** Remote-write series per request: `seriesPerRequest`, rounded down to whole histograms for histograms. */
export function seriesPerRequestOf(plan: Pick<PayloadPlan, 'kind' | 'seriesPerRequest'>): number {
  if (plan.kind !== 'histogram') return plan.seriesPerRequest;
  return Math.max(1, Math.floor(plan.seriesPerRequest / SERIES_PER_HISTOGRAM)) * SERIES_PER_HISTOGRAM;
}

/** Series i's part of its histogram: a bucket bound (`+Inf` included), or `_sum` / `_count`. */
function histogramPart(i: number): { histogram: number; le?: string; suffix: '_bucket' | '_sum' | '_count' } {
  const histogram = Math.floor(i / SERIES_PER_HISTOGRAM);
  const part = i % SERIES_PER_HISTOGRAM;
  if (part <= HISTOGRAM_BOUNDS.length)
    return { histogram, le: HISTOGRAM_BOUNDS[part] ?? '+Inf', suffix: '_bucket' };
  return { histogram, suffix: part === HISTOGRAM_BOUNDS.length + 1 ? '_sum' : '_count' };
}

/** One series' labels, sorted by name as remote write requires (`__name__` sorts first). */
function seriesLabels(plan: PayloadPlan, sender: number, i: number): [string, string][] {
  const kind = plan.kind ?? 'counter';
  const series = seriesPerRequestOf(plan);
  // A histogram's parts share its labels and whether it matches: the labels are the histogram's.
  const part = kind === 'histogram' ? histogramPart(i) : undefined;
  const unit = part?.histogram ?? i;
  const units = kind === 'histogram' ? series / SERIES_PER_HISTOGRAM : series;
  const matching = unit < Math.round(units * plan.matchingShare);
  const family = matching
    ? rolloutMetric(kind, plan.rolloutPerSender ? sender : undefined)
    : otherMetric(kind, unit);
  const name = part === undefined ? family : `${family}${part.suffix}`;
  const labels: [string, string][] = [['__name__', name]];
  for (const [label, value] of LABELS.slice(0, labelCount(plan) - 1))
    labels.push([label, value(plan, sender, unit)]);
  if (part?.le !== undefined) labels.push(['le', part.le]);
  return labels.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Series i's sample in request r (the request's number from the series' first): counters rise by 10
 * a request; gauges take a different value every time (seeded, so every run sends the same); a
 * histogram observes 10 values a request, its buckets cumulative.
 */
export function sampleValue(plan: PayloadPlan, i: number, r: number): number {
  const kind = plan.kind ?? 'counter';
  if (kind === 'counter') return r * 10 + (i % 10);
  if (kind === 'gauge') return Math.round(mix(i, r) * 1e6) / 1e3;
  const { histogram, le, suffix } = histogramPart(i);
  const observations = (r + 1) * 10;
  if (suffix === '_count') return observations;
  if (suffix === '_sum') return Math.round(observations * (0.3 + (histogram % 7) / 10) * 1e3) / 1e3;
  // Bucket b holds a share of the observations growing with b: ≤ 0.005 none, ≤ 10 all but a few, +Inf all.
  const bound = le === '+Inf' ? HISTOGRAM_BOUNDS.length : HISTOGRAM_BOUNDS.indexOf(le ?? '');
  return Math.floor((observations * bound) / HISTOGRAM_BOUNDS.length);
}

/** A number in [0, 1) from two integers (a 32-bit integer hash): varied, and the same on every run. */
function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

/** Remote-write bodies (snappy-compressed WriteRequest), per sender, in sending order. */
export function remoteWritePayloads(plan: PayloadPlan): Buffer[][] {
  const batches = new RemoteWriteBatches(
    Array.from({ length: plan.senders }, (_, sender) => planLabels(plan, sender)),
  );
  return Array.from({ length: plan.senders }, (_, sender) =>
    Array.from({ length: plan.requestsPerSender }, (_, n) => {
      const r = (plan.firstRequest ?? 0) + n;
      return batches.batch(sender, plan.startMs + r * 1_000, (i) => sampleValue(plan, i, r));
    }),
  );
}

/** OTLP protobuf bodies: the same series as cumulative monotonic sums, one data point each (counters only). */
export function otlpPayloads(plan: PayloadPlan): Buffer[][] {
  if ((plan.kind ?? 'counter') !== 'counter')
    throw new Error(`OTLP payloads are counters; the plan asks for ${plan.kind}`);
  const startNs = `${BigInt(plan.startMs - 60_000) * 1_000_000n}`;
  return Array.from({ length: plan.senders }, (_, sender) => {
    const byName = new Map<string, { key: string; value: { stringValue: string } }[][]>();
    for (let i = 0; i < plan.seriesPerRequest; i++) {
      const labels = seriesLabels(plan, sender, i);
      const name = labels[0]?.[1] ?? ROLLOUT_METRIC;
      const attributes = labels.slice(1).map(([key, value]) => ({ key, value: { stringValue: value } }));
      const list = byName.get(name) ?? [];
      list.push(attributes);
      byName.set(name, list);
    }
    return Array.from({ length: plan.requestsPerSender }, (_, r) => {
      const timeNs = `${BigInt(plan.startMs + r * 1_000) * 1_000_000n}`;
      const request = {
        resourceMetrics: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bench' } }] },
            scopeMetrics: [
              {
                scope: { name: 'bench' },
                metrics: [...byName].map(([name, series]) => ({
                  name,
                  sum: {
                    aggregationTemporality: 2,
                    isMonotonic: true,
                    dataPoints: series.map((attributes, i) => ({
                      attributes,
                      startTimeUnixNano: startNs,
                      timeUnixNano: timeNs,
                      asDouble: sampleValue(plan, i, r),
                    })),
                  },
                })),
              },
            ],
          },
        ],
      };
      return Buffer.from(
        ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(request)).finish(),
      );
    });
  });
}

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/**
 * Remote-write bodies built fast enough to send 100k samples/s with fresh timestamps: each series'
 * labels are protobuf-encoded once (by the schema), and every batch only appends one Sample
 * (`value` double, `timestamp` varint) per series and the length prefixes, then snappy.
 */
export class RemoteWriteBatches {
  readonly #labels: Buffer[][];

  /** `groups[g]` lists the label sets of the series sent together in batch group g. */
  constructor(groups: readonly (readonly [string, string][])[][]) {
    this.#labels = groups.map((series) =>
      series.map((labels) => {
        const one = encodeWriteRequest({
          timeseries: [{ labels: labels.map(([name, value]) => ({ name, value })) }],
        });
        // Strip the WriteRequest's field tag and length: what is left is the TimeSeries' labels.
        let offset = 1;
        while ((one[offset] ?? 0) & 0x80) offset++;
        return Buffer.from(one.subarray(offset + 1));
      }),
    );
  }

  get groups(): number {
    return this.#labels.length;
  }

  /** Group g's batch with every series at `timestampMs`, valued `value` (or `value(i)` for series i), snappy-compressed. */
  batch(group: number, timestampMs: number, value: number | ((series: number) => number)): Buffer {
    const parts: Buffer[] = [];
    const ts = Buffer.from([0x10, ...varint(timestampMs)]);
    const sampleField = (v: number) => {
      const sample = Buffer.alloc(9);
      sample[0] = 0x09;
      sample.writeDoubleLE(v, 1);
      return Buffer.concat([Buffer.from([0x12, 9 + ts.length]), sample, ts]);
    };
    const shared = typeof value === 'number' ? sampleField(value) : undefined;
    (this.#labels[group] ?? []).forEach((labels, i) => {
      const field = shared ?? sampleField(typeof value === 'number' ? value : value(i));
      parts.push(Buffer.from([0x0a, ...varint(labels.length + field.length)]), labels, field);
    });
    return snappy.compressSync(Buffer.concat(parts));
  }
}

/** The label sets of one sender's series under a plan (the same as the pre-encoded payloads use). */
export function planLabels(plan: PayloadPlan, sender: number): [string, string][][] {
  return Array.from({ length: seriesPerRequestOf(plan) }, (_, i) => seriesLabels(plan, sender, i));
}
