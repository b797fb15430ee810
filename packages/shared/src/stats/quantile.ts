import type { ExplicitHistogram } from './explicit-histogram.ts';
import { type ExponentialHistogram, exponentialLowerBoundary } from './exponential-histogram.ts';
import { type Samples, sortedSampleValues } from './samples.ts';

/** One bucket of a histogram in value order: its count lies somewhere in [lower, upper]. */
export interface ValueBucket {
  lower: number;
  upper: number;
  count: number;
}

export type QuantileSource = ExplicitHistogram | ExponentialHistogram | Samples;

/**
 * Buckets of an explicit histogram in value order. The open ends (−∞, b0] and (bn, +∞) are
 * closed by the recorded min and max when known; otherwise `open` decides: 'prometheus' closes
 * them the way histogram_quantile does (0 below a positive first bound, the last finite bound
 * above), 'infinite' leaves them infinite — the only honest choice for a confidence bound.
 */
export function explicitBuckets(h: ExplicitHistogram, open: 'prometheus' | 'infinite'): ValueBucket[] {
  const n = h.bounds.length;
  return h.counts.map((count, i) => {
    let lower = i === 0 ? Number.NEGATIVE_INFINITY : h.bounds[i - 1]!;
    let upper = i === n ? Number.POSITIVE_INFINITY : h.bounds[i]!;
    if (i === 0) {
      if (h.min !== null) lower = Math.min(h.min, upper);
      else if (open === 'prometheus') lower = Math.min(upper, 0);
    }
    if (i === n) {
      if (h.max !== null) upper = Math.max(h.max, lower);
      else if (open === 'prometheus') upper = lower;
    }
    return { lower, upper, count };
  });
}

/** Buckets of an exponential histogram in value order: negatives, the zero bucket, positives. */
export function exponentialBuckets(h: ExponentialHistogram): ValueBucket[] {
  const out: ValueBucket[] = [];
  for (let i = h.negative.counts.length - 1; i >= 0; i--) {
    const index = h.negative.offset + i;
    out.push({
      lower: -exponentialLowerBoundary(index + 1, h.scale),
      upper: -exponentialLowerBoundary(index, h.scale),
      count: h.negative.counts[i]!,
    });
  }
  const hasNegative = h.negative.counts.some((c) => c > 0);
  out.push({ lower: hasNegative ? -h.zeroThreshold : 0, upper: h.zeroThreshold, count: h.zeroCount });
  h.positive.counts.forEach((count, i) => {
    const index = h.positive.offset + i;
    out.push({
      lower: exponentialLowerBoundary(index, h.scale),
      upper: exponentialLowerBoundary(index + 1, h.scale),
      count,
    });
  });
  return out;
}

function totalOf(buckets: readonly ValueBucket[]): number {
  return buckets.reduce((s, b) => s + b.count, 0);
}

/** The bucket holding the `rank`-th smallest observation (rank in (0, total]), with counts before it. */
export function bucketAtRank(
  buckets: readonly ValueBucket[],
  rank: number,
): { bucket: ValueBucket; before: number } | null {
  let before = 0;
  for (const bucket of buckets) {
    if (bucket.count > 0 && before + bucket.count >= rank) return { bucket, before };
    before += bucket.count;
  }
  return null;
}

/**
 * The q-quantile by linear interpolation inside the bucket that holds rank q·count, as
 * Prometheus' histogram_quantile does. null without observations.
 */
export function bucketQuantile(buckets: readonly ValueBucket[], q: number): number | null {
  assertQuantile(q);
  const total = totalOf(buckets);
  if (total === 0) return null;
  const rank = q * total;
  const found = bucketAtRank(buckets, rank);
  if (found === null) return null;
  const { bucket, before } = found;
  if (bucket.lower === bucket.upper) return bucket.upper;
  const within = Math.min(1, Math.max(0, (rank - before) / bucket.count));
  return bucket.lower + (bucket.upper - bucket.lower) * within;
}

/**
 * Quantile of raw values by linear interpolation between order statistics (Hyndman & Fan type
 * 7, the default of R and numpy).
 */
export function sampleQuantile(sorted: readonly number[], q: number): number | null {
  assertQuantile(q);
  if (sorted.length === 0) return null;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)]!;
  return a + (h - lo) * (b - a);
}

export function quantileOf(source: QuantileSource, q: number): number | null {
  switch (source.kind) {
    case 'histogram':
      return clamp(bucketQuantile(explicitBuckets(source, 'prometheus'), q), source.min, source.max);
    case 'exponential':
      return clamp(bucketQuantile(exponentialBuckets(source), q), source.min, source.max);
    case 'samples':
      return sampleQuantile(sortedSampleValues(source), q);
  }
}

/**
 * Where the k-th smallest observation (1-based) can lie: a bucket's edges for histograms, the
 * value itself for raw samples. Ranks outside 1..count give ±∞.
 */
export function orderStatisticRange(source: QuantileSource, k: number): { lower: number; upper: number } {
  if (source.kind === 'samples') {
    const sorted = sortedSampleValues(source);
    if (k < 1) return { lower: Number.NEGATIVE_INFINITY, upper: Number.NEGATIVE_INFINITY };
    if (k > sorted.length) return { lower: Number.POSITIVE_INFINITY, upper: Number.POSITIVE_INFINITY };
    const v = sorted[k - 1]!;
    return { lower: v, upper: v };
  }
  const buckets =
    source.kind === 'histogram' ? explicitBuckets(source, 'infinite') : exponentialBuckets(source);
  if (k < 1) return { lower: Number.NEGATIVE_INFINITY, upper: Number.NEGATIVE_INFINITY };
  const found = bucketAtRank(buckets, k);
  if (found === null) return { lower: Number.POSITIVE_INFINITY, upper: Number.POSITIVE_INFINITY };
  return { lower: found.bucket.lower, upper: found.bucket.upper };
}

/** Observations the ranks refer to: the bucket counts themselves, which a sender's `count` may not match. */
export function quantileSourceCount(source: QuantileSource): number {
  switch (source.kind) {
    case 'samples':
      return source.items.length;
    case 'histogram':
      return source.counts.reduce((a, b) => a + b, 0);
    case 'exponential':
      return (
        source.zeroCount +
        source.positive.counts.reduce((a, b) => a + b, 0) +
        source.negative.counts.reduce((a, b) => a + b, 0)
      );
  }
}

function clamp(v: number | null, min: number | null, max: number | null): number | null {
  if (v === null) return null;
  let out = v;
  if (min !== null) out = Math.max(out, min);
  if (max !== null) out = Math.min(out, max);
  return out;
}

function assertQuantile(q: number): void {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is outside [0, 1]; p99 is 0.99`);
}
