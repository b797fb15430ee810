import type { BatchBuilder } from './decoded-batch.ts';
import { nanosToMs } from './nanos.ts';
import type { Cursor } from './otlp-cursor.ts';
import type { OtlpSeriesCache } from './otlp-series-cache.ts';
import { double, has, int, list, type Obj, obj } from './otlp-values.ts';
import type { ExponentialBuckets, PointValue, Temporality } from './point.ts';

/** What both OTLP encodings share: the decode options, the metric kinds and a data point's value. */
export interface DecodeOptions {
  /**
   * Prefilter: points of a metric no rollout uses are counted as `unwanted-metric` and
   * dropped before any attribute map is built for them.
   */
  readonly wantsMetric?: (name: string) => boolean;
  /**
   * Series recognised across requests, by their attribute bytes (protobuf) or the canonical text of
   * their parsed attributes (JSON; a cache of its own): their points share one attributes record and
   * carry a `SeriesMemo`. Without it each request decodes its attributes afresh.
   */
  readonly series?: OtlpSeriesCache;
}

/** `flags` bit 0: the sender says the point carries no value. */
export const NO_RECORDED_VALUE = 1;

export const KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;
export type Kind = (typeof KINDS)[number];

/** One metric's points to convert, once its name, kind and temporality passed. */
export interface MetricTarget {
  readonly name: string;
  readonly kind: Kind;
  readonly monotonic: boolean;
  readonly temporality: Temporality;
}

/** What a metric message says of itself, whatever its encoding. */
export interface MetricHead {
  readonly name: string;
  readonly kind: Kind;
  /** How many data points it carries: what a refusal or drop of the whole metric counts. */
  readonly count: number;
  readonly monotonic: boolean;
}

/**
 * The metric's target once its name, the prefilter and its temporality (read only then, for sums and
 * histograms) passed; undefined once its points are counted in `out` as rejected or unwanted.
 */
export function acceptMetric(
  head: MetricHead,
  readTemporality: () => Temporality | undefined,
  at: Cursor,
  options: DecodeOptions,
  out: BatchBuilder,
): MetricTarget | undefined {
  const { name, kind, count } = head;
  if (name === '') {
    out.reject('metric has no name', at.path(''), count);
    return undefined;
  }
  if (options.wantsMetric && !options.wantsMetric(name)) {
    out.drop('unwanted-metric', count);
    return undefined;
  }
  let temporalityOf: Temporality = 'cumulative';
  if (kind !== 'gauge' && kind !== 'summary') {
    const t = readTemporality();
    if (t === undefined) {
      out.reject(
        'aggregationTemporality must be 1 (delta) or 2 (cumulative)',
        `metric ${name} at ${at.path('')}`,
        count,
      );
      return undefined;
    }
    temporalityOf = t;
  }
  return { name, kind, monotonic: head.monotonic, temporality: temporalityOf };
}

/** The time and value of a data point that is kept. */
export interface PointParts {
  readonly timeMs: number;
  readonly startMs: number | undefined;
  readonly value: PointValue;
}

/**
 * A data point message (protobufjs or parsed JSON) → its time and value; undefined once it is counted
 * in `out` as dropped or rejected.
 */
export function readPointMessage(
  target: MetricTarget,
  dp: Obj,
  at: Cursor,
  out: BatchBuilder,
): PointParts | undefined {
  if ((int(dp.flags, at, 'flags') & NO_RECORDED_VALUE) !== 0) {
    out.drop('no-recorded-value');
    return undefined;
  }
  const timeMs = nanosToMs(dp.timeUnixNano ?? 0);
  if (timeMs === undefined || timeMs === 0) {
    out.reject('timeUnixNano must be a positive integer', `metric ${target.name} at ${at.path('')}`);
    return undefined;
  }
  const value = pointValue(target.kind, dp, at, target.monotonic, target.temporality);
  if (typeof value === 'string') {
    if (value === 'non-finite-value') out.drop(value);
    else out.reject(value, `metric ${target.name} at ${at.path('')}`);
    return undefined;
  }
  const startMs = nanosToMs(dp.startTimeUnixNano ?? 0);
  return { timeMs, startMs: startMs !== undefined && startMs > 0 ? startMs : undefined, value };
}

/** The point's value, or why it was dropped ('non-finite-value') or rejected (any other text). */
export function pointValue(
  kind: Kind,
  dp: Obj,
  at: Cursor,
  monotonic: boolean,
  temporalityOf: Temporality,
): PointValue | string {
  switch (kind) {
    case 'gauge':
    case 'sum': {
      let value: number;
      if (has(dp, 'asDouble')) value = double(dp.asDouble, at, 'asDouble');
      else if (has(dp, 'asInt')) value = int(dp.asInt, at, 'asInt');
      else return 'a number point needs asDouble or asInt';
      if (!Number.isFinite(value)) return 'non-finite-value';
      return kind === 'gauge' ? { kind, value } : { kind, value, monotonic, temporality: temporalityOf };
    }
    case 'histogram':
      return histogramValue(dp, at, temporalityOf);
    case 'exponentialHistogram':
      return exponentialValue(dp, at, temporalityOf);
    case 'summary':
      return summaryValue(dp, at);
  }
}

/** sum/min/max: kept when sent and finite; a NaN sum says nothing and is left out. */
function optionalStats(dp: Obj, at: Cursor): { sum?: number; min?: number; max?: number } {
  const stats: { sum?: number; min?: number; max?: number } = {};
  for (const key of ['sum', 'min', 'max'] as const) {
    if (!has(dp, key)) continue;
    const v = double(dp[key], at, key);
    if (Number.isFinite(v)) stats[key] = v;
  }
  return stats;
}

function ints(value: unknown, at: Cursor, field: string): number[] {
  const items = list(value, at, field);
  const out: number[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) out[i] = int(items[i], at, `${field}[${i}]`);
  return out;
}

function histogramValue(dp: Obj, at: Cursor, temporalityOf: Temporality): PointValue | string {
  const count = int(dp.count, at, 'count');
  const counts = ints(dp.bucketCounts, at, 'bucketCounts');
  const rawBounds = list(dp.explicitBounds, at, 'explicitBounds');
  const bounds: number[] = new Array(rawBounds.length);
  for (let i = 0; i < rawBounds.length; i++) bounds[i] = double(rawBounds[i], at, `explicitBounds[${i}]`);
  if (counts.length !== 0 && counts.length !== bounds.length + 1) {
    return `bucketCounts must have one more entry than explicitBounds (got ${counts.length} and ${bounds.length})`;
  }
  for (let i = 0; i < bounds.length; i++) {
    const bound = bounds[i] as number;
    if (!Number.isFinite(bound) || (i > 0 && bound <= (bounds[i - 1] as number))) {
      return 'explicitBounds must be finite and strictly increasing';
    }
  }
  let total = 0;
  for (const c of counts) total += c;
  if (counts.length > 0 && total !== count) return `bucketCounts add up to ${total} but count is ${count}`;
  return { kind: 'histogram', temporality: temporalityOf, bounds, counts, count, ...optionalStats(dp, at) };
}

function buckets(value: unknown, at: Cursor, field: string): ExponentialBuckets {
  const b = obj(value, at, field);
  if (b === undefined) return { offset: 0, counts: [] };
  return {
    offset: int(b.offset, at, `${field}.offset`),
    counts: ints(b.bucketCounts, at, `${field}.bucketCounts`),
  };
}

function exponentialValue(dp: Obj, at: Cursor, temporalityOf: Temporality): PointValue | string {
  const count = int(dp.count, at, 'count');
  const zeroCount = int(dp.zeroCount, at, 'zeroCount');
  const positive = buckets(dp.positive, at, 'positive');
  const negative = buckets(dp.negative, at, 'negative');
  const scale = int(dp.scale, at, 'scale');
  const zeroThreshold = double(dp.zeroThreshold, at, 'zeroThreshold');
  if (scale < -10 || scale > 20) return `scale must be between -10 and 20 (got ${scale})`;
  if (!(zeroThreshold >= 0) || !Number.isFinite(zeroThreshold))
    return 'zeroThreshold must be finite and not negative';
  let total = zeroCount;
  for (const c of positive.counts) total += c;
  for (const c of negative.counts) total += c;
  if (total !== count) return `zeroCount and bucket counts add up to ${total} but count is ${count}`;
  return {
    kind: 'exponentialHistogram',
    temporality: temporalityOf,
    scale,
    zeroCount,
    zeroThreshold,
    positive,
    negative,
    count,
    ...optionalStats(dp, at),
  };
}

function summaryValue(dp: Obj, at: Cursor): PointValue | string {
  const count = int(dp.count, at, 'count');
  const sum = double(dp.sum, at, 'sum');
  if (!Number.isFinite(sum)) return 'non-finite-value';
  const quantiles: { quantile: number; value: number }[] = [];
  const entries = list(dp.quantileValues, at, 'quantileValues');
  for (let i = 0; i < entries.length; i++) {
    const q = obj(entries[i], at, `quantileValues[${i}]`) ?? {};
    const quantile = double(q.quantile, at, `quantileValues[${i}].quantile`);
    const value = double(q.value, at, `quantileValues[${i}].value`);
    if (!(quantile >= 0 && quantile <= 1)) return `quantile must be between 0 and 1 (got ${quantile})`;
    // A summary with no observations in its window reports NaN quantiles: nothing to keep.
    if (Number.isFinite(value)) quantiles.push({ quantile, value });
  }
  return { kind: 'summary', count, sum, quantiles };
}
