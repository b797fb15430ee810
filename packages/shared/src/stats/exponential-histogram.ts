import { z } from 'zod';

/**
 * An exponential histogram per the OTLP data model. At scale s the base is 2^(2^−s) and bucket
 * `index` holds magnitudes in (base^index, base^(index+1)]; `counts[i]` is the bucket
 * `offset + i`. Magnitudes up to `zeroThreshold` are counted in `zeroCount`.
 */
const bucketsSchema = z.object({
  offset: z.number().int(),
  counts: z.array(z.number().nonnegative()),
});
export type ExponentialBuckets = z.infer<typeof bucketsSchema>;

export const MIN_SCALE = -10;
export const MAX_SCALE = 20;
/** The OpenTelemetry SDK's default for the base-2 exponential aggregation. */
export const DEFAULT_MAX_BUCKETS = 160;

export const exponentialHistogramSchema = z.object({
  kind: z.literal('exponential'),
  scale: z.number().int().min(MIN_SCALE).max(MAX_SCALE),
  zeroCount: z.number().nonnegative(),
  zeroThreshold: z.number().nonnegative(),
  positive: bucketsSchema,
  negative: bucketsSchema,
  count: z.number().nonnegative(),
  sum: z.number(),
  min: z.number().nullable(),
  max: z.number().nullable(),
});
export type ExponentialHistogram = z.infer<typeof exponentialHistogramSchema>;

export function emptyExponential(scale = MAX_SCALE): ExponentialHistogram {
  return {
    kind: 'exponential',
    scale,
    zeroCount: 0,
    zeroThreshold: 0,
    positive: { offset: 0, counts: [] },
    negative: { offset: 0, counts: [] },
    count: 0,
    sum: 0,
    min: null,
    max: null,
  };
}

/** Bucket index of a positive magnitude at `scale`. */
export function exponentialIndexOf(magnitude: number, scale: number): number {
  const index = Math.ceil(Math.log2(magnitude) * 2 ** scale) - 1;
  // log2 can round across a boundary; the upper boundary is inclusive, so check both neighbours.
  if (exponentialLowerBoundary(index, scale) >= magnitude) return index - 1;
  if (exponentialLowerBoundary(index + 1, scale) < magnitude) return index + 1;
  return index;
}

/** Lower boundary of bucket `index` at `scale` (its upper boundary is that of index + 1). */
export function exponentialLowerBoundary(index: number, scale: number): number {
  return 2 ** (index * 2 ** -scale);
}

export function observeExponential(
  h: ExponentialHistogram,
  value: number,
  maxBuckets = DEFAULT_MAX_BUCKETS,
): ExponentialHistogram {
  const single = emptyExponential(h.scale);
  single.zeroThreshold = h.zeroThreshold;
  single.count = 1;
  single.sum = value;
  single.min = value;
  single.max = value;
  const magnitude = Math.abs(value);
  if (magnitude <= h.zeroThreshold || value === 0) single.zeroCount = 1;
  else {
    const side = { offset: exponentialIndexOf(magnitude, h.scale), counts: [1] };
    if (value > 0) single.positive = side;
    else single.negative = side;
  }
  return mergeExponential(h, single, maxBuckets);
}

export function exponentialOf(
  values: readonly number[],
  scale = MAX_SCALE,
  maxBuckets = DEFAULT_MAX_BUCKETS,
): ExponentialHistogram {
  return values.reduce((h, v) => observeExponential(h, v, maxBuckets), emptyExponential(scale));
}

/** Lowers the scale by `by`: bucket i becomes i >> by, so every 2^by neighbours fold into one. */
export function downscaleExponential(h: ExponentialHistogram, by: number): ExponentialHistogram {
  if (by < 0) throw new RangeError(`downscale by ${by}: a histogram can only lose resolution`);
  return {
    ...h,
    scale: h.scale - by,
    positive: downscaleBuckets(h.positive, by),
    negative: downscaleBuckets(h.negative, by),
  };
}

/**
 * Merges at the lower of the two scales, then lowers the scale further until each side spans at
 * most `maxBuckets`. The result's scale is the largest one at which the union fits, whatever the
 * grouping, so the merge is associative. The zero threshold becomes the larger one and buckets
 * wholly inside it move to the zero count (exact in count; see STATISTICS.md for grouping).
 */
export function mergeExponential(
  a: ExponentialHistogram,
  b: ExponentialHistogram,
  maxBuckets = DEFAULT_MAX_BUCKETS,
): ExponentialHistogram {
  let scale = Math.min(a.scale, b.scale);
  while (
    scale > MIN_SCALE &&
    (unionSpan(a.positive, a.scale, b.positive, b.scale, scale) > maxBuckets ||
      unionSpan(a.negative, a.scale, b.negative, b.scale, scale) > maxBuckets)
  ) {
    scale -= 1;
  }
  const zeroThreshold = Math.max(a.zeroThreshold, b.zeroThreshold);
  const positive = addBuckets(
    downscaleBuckets(a.positive, a.scale - scale),
    downscaleBuckets(b.positive, b.scale - scale),
  );
  const negative = addBuckets(
    downscaleBuckets(a.negative, a.scale - scale),
    downscaleBuckets(b.negative, b.scale - scale),
  );
  const pos = splitAtThreshold(positive, scale, zeroThreshold);
  const neg = splitAtThreshold(negative, scale, zeroThreshold);
  return {
    kind: 'exponential',
    scale,
    zeroCount: a.zeroCount + b.zeroCount + pos.moved + neg.moved,
    zeroThreshold,
    positive: pos.kept,
    negative: neg.kept,
    count: a.count + b.count,
    sum: a.sum + b.sum,
    min: extreme(a, b, 'min'),
    max: extreme(a, b, 'max'),
  };
}

function downscaleBuckets(b: ExponentialBuckets, by: number): ExponentialBuckets {
  const t = trim(b);
  if (by === 0 || t.counts.length === 0) return t;
  const offset = t.offset >> by;
  const counts: number[] = [];
  t.counts.forEach((c, i) => {
    const j = ((t.offset + i) >> by) - offset;
    counts[j] = (counts[j] ?? 0) + c;
  });
  return { offset, counts };
}

function addBuckets(x: ExponentialBuckets, y: ExponentialBuckets): ExponentialBuckets {
  if (x.counts.length === 0) return trim(y);
  if (y.counts.length === 0) return trim(x);
  const lo = Math.min(x.offset, y.offset);
  const hi = Math.max(x.offset + x.counts.length, y.offset + y.counts.length);
  const counts = new Array<number>(hi - lo).fill(0);
  for (const side of [x, y]) {
    side.counts.forEach((c, i) => {
      const j = side.offset - lo + i;
      counts[j] = counts[j]! + c;
    });
  }
  return trim({ offset: lo, counts });
}

function trim(b: ExponentialBuckets): ExponentialBuckets {
  let start = 0;
  let end = b.counts.length;
  while (start < end && b.counts[start] === 0) start += 1;
  while (end > start && b.counts[end - 1] === 0) end -= 1;
  if (start === end) return { offset: 0, counts: [] };
  return { offset: b.offset + start, counts: b.counts.slice(start, end) };
}

function unionSpan(
  x: ExponentialBuckets,
  xScale: number,
  y: ExponentialBuckets,
  yScale: number,
  scale: number,
): number {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const [side, s] of [
    [trim(x), xScale],
    [trim(y), yScale],
  ] as const) {
    if (side.counts.length === 0) continue;
    lo = Math.min(lo, side.offset >> (s - scale));
    hi = Math.max(hi, (side.offset + side.counts.length - 1) >> (s - scale));
  }
  return hi < lo ? 0 : hi - lo + 1;
}

function splitAtThreshold(
  b: ExponentialBuckets,
  scale: number,
  threshold: number,
): { kept: ExponentialBuckets; moved: number } {
  if (threshold === 0 || b.counts.length === 0) return { kept: b, moved: 0 };
  let moved = 0;
  const counts = b.counts.map((c, i) => {
    if (exponentialLowerBoundary(b.offset + i + 1, scale) > threshold) return c;
    moved += c;
    return 0;
  });
  return { kept: trim({ offset: b.offset, counts }), moved };
}

function extreme(a: ExponentialHistogram, b: ExponentialHistogram, key: 'min' | 'max'): number | null {
  if (a.count === 0) return b[key];
  if (b.count === 0) return a[key];
  const x = a[key];
  const y = b[key];
  if (x === null || y === null) return null;
  return key === 'min' ? Math.min(x, y) : Math.max(x, y);
}
