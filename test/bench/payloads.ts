import snappy from 'snappy';
import { ExportMetricsServiceRequest } from '../../services/collector/src/protocols/otlp-schema.ts';
import { encodeWriteRequest } from '../../services/collector/src/protocols/remote-write-schema.ts';

/** The metric the benchmark's rollout reads; every other name is traffic no rollout wants. */
export const ROLLOUT_METRIC = 'bench_requests_total';
export const BENCH_FLAG = 'bench-flag';

export interface PayloadPlan {
  /** Distinguishes the series of one scenario from another's (Prometheus refuses out-of-order samples). */
  readonly scenario: string;
  readonly senders: number;
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
}

/** One series' labels, sorted by name as remote write requires, `__name__` first. */
function seriesLabels(plan: PayloadPlan, sender: number, i: number): [string, string][] {
  const matching = i < Math.round(plan.seriesPerRequest * plan.matchingShare);
  return [
    ['__name__', matching ? ROLLOUT_METRIC : `other_requests_${i % 50}_total`],
    ['feature_flag_key', BENCH_FLAG],
    ['feature_flag_result_variant', i % 2 === 0 ? 'on' : 'off'],
    ['instance', `${plan.scenario}-sender-${sender}:9100`],
    ['job', 'bench'],
    ['method', i % 3 === 0 ? 'POST' : 'GET'],
    ['route', `/api/v1/items/${i % 40}`],
    ['series', String(i)],
    ['status', i % 7 === 0 ? '500' : '200'],
  ];
}

/** Remote-write bodies (snappy-compressed WriteRequest), per sender, in sending order. */
export function remoteWritePayloads(plan: PayloadPlan): Buffer[][] {
  return Array.from({ length: plan.senders }, (_, sender) => {
    const labels = Array.from({ length: plan.seriesPerRequest }, (_, i) =>
      seriesLabels(plan, sender, i).map(([name, value]) => ({ name, value })),
    );
    return Array.from({ length: plan.requestsPerSender }, (_, n) => {
      const r = (plan.firstRequest ?? 0) + n;
      const timestamp = plan.startMs + r * 1_000;
      const body = encodeWriteRequest({
        timeseries: labels.map((l, i) => ({ labels: l, samples: [{ value: r * 10 + (i % 10), timestamp }] })),
      });
      return snappy.compressSync(Buffer.from(body));
    });
  });
}

/** OTLP protobuf bodies: the same series as cumulative monotonic sums, one data point each. */
export function otlpPayloads(plan: PayloadPlan): Buffer[][] {
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
                      asDouble: r * 10 + (i % 10),
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

/** How many samples (data points) one request of the plan carries. */
export function samplesPerRequest(plan: PayloadPlan): number {
  return plan.seriesPerRequest;
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
  return Array.from({ length: plan.seriesPerRequest }, (_, i) => seriesLabels(plan, sender, i));
}
