import { z } from 'zod';

/**
 * An explicit-bucket histogram as OTLP and classic Prometheus send it: bucket i holds values in
 * (bounds[i−1], bounds[i]], the first bucket is (−∞, bounds[0]] and the last (bounds[n−1], +∞),
 * so `counts` has one more entry than `bounds`.
 */
export const explicitHistogramSchema = z
  .object({
    kind: z.literal('histogram'),
    bounds: z.array(z.number()),
    counts: z.array(z.number().nonnegative()),
    count: z.number().nonnegative(),
    sum: z.number(),
    /** null when unknown (Prometheus sends none) or when count is 0 */
    min: z.number().nullable(),
    max: z.number().nullable(),
  })
  .refine((h) => h.counts.length === h.bounds.length + 1, {
    message: 'counts must have one more entry than bounds (the last bucket runs to +Inf)',
    path: ['counts'],
  })
  .refine((h) => h.bounds.every((b, i) => i === 0 || b > h.bounds[i - 1]!), {
    message: 'bounds must be strictly increasing',
    path: ['bounds'],
  });
export type ExplicitHistogram = z.infer<typeof explicitHistogramSchema>;

export function emptyHistogram(bounds: readonly number[]): ExplicitHistogram {
  return {
    kind: 'histogram',
    bounds: [...bounds],
    counts: new Array<number>(bounds.length + 1).fill(0),
    count: 0,
    sum: 0,
    min: null,
    max: null,
  };
}

/** Index of the bucket that holds `value`: the first bound ≥ value, or the +Inf bucket. */
export function bucketIndexOf(bounds: readonly number[], value: number): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bounds[mid]! >= value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function observeHistogram(h: ExplicitHistogram, value: number): ExplicitHistogram {
  const counts = [...h.counts];
  const i = bucketIndexOf(h.bounds, value);
  counts[i] = counts[i]! + 1;
  return {
    ...h,
    counts,
    count: h.count + 1,
    sum: h.sum + value,
    min: h.min === null ? value : Math.min(h.min, value),
    max: h.max === null ? value : Math.max(h.max, value),
  };
}

export function histogramOf(bounds: readonly number[], values: readonly number[]): ExplicitHistogram {
  return values.reduce(observeHistogram, emptyHistogram(bounds));
}

/**
 * Merges two histograms. With equal bounds the counts add. With different bounds both are first
 * re-bucketed onto the bounds they share (the sorted intersection): every bucket of either lies
 * wholly inside one bucket of that coarser layout, so no count is split or guessed — resolution is
 * lost, never data. Intersection is associative and commutative, so the merge stays so too.
 */
export function mergeHistograms(a: ExplicitHistogram, b: ExplicitHistogram): ExplicitHistogram {
  const bounds = sameBounds(a.bounds, b.bounds) ? a.bounds : commonBounds(a.bounds, b.bounds);
  const ca = rebucket(a, bounds);
  const cb = rebucket(b, bounds);
  return {
    kind: 'histogram',
    bounds: [...bounds],
    counts: ca.map((c, i) => c + cb[i]!),
    count: a.count + b.count,
    sum: a.sum + b.sum,
    min: extreme(a, b, 'min'),
    max: extreme(a, b, 'max'),
  };
}

/** Counts of `h` laid onto `bounds`, which must be a subset of h.bounds. */
export function rebucket(h: ExplicitHistogram, bounds: readonly number[]): number[] {
  if (sameBounds(h.bounds, bounds)) return [...h.counts];
  const out = new Array<number>(bounds.length + 1).fill(0);
  h.counts.forEach((c, i) => {
    const upper = i < h.bounds.length ? h.bounds[i]! : Number.POSITIVE_INFINITY;
    const j = upper === Number.POSITIVE_INFINITY ? bounds.length : bucketIndexOf(bounds, upper);
    out[j] = out[j]! + c;
  });
  return out;
}

export function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function commonBounds(a: readonly number[], b: readonly number[]): number[] {
  const inB = new Set(b);
  return a.filter((x) => inB.has(x));
}

function extreme(a: ExplicitHistogram, b: ExplicitHistogram, key: 'min' | 'max'): number | null {
  // An empty side says nothing; a non-empty side without a known extreme makes the merge unknown.
  if (a.count === 0) return b[key];
  if (b.count === 0) return a[key];
  const x = a[key];
  const y = b[key];
  if (x === null || y === null) return null;
  return key === 'min' ? Math.min(x, y) : Math.max(x, y);
}
