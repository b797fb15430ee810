import {
  type CohortStats,
  type ExplicitHistogram,
  type ExponentialHistogram,
  mergeHistograms,
} from '../stats/index.ts';
import { type BucketVector, SAMPLE_SKETCH_SCALE } from './buckets.ts';

/**
 * Which statistic the reader wants from a metric's buckets:
 * - `auto`: what the metric is: a histogram if the sender sent one, else moments of raw values, else
 *   the counter increase. Means, sums, min/max/last and histogram quantiles read this.
 * - `counter`: the counter increase (ratio numerators and denominators, `rate` of a counter).
 * - `quantile`: a histogram if the sender sent one, else the sketch of the raw values.
 */
export type StatsWanted = 'auto' | 'counter' | 'quantile';

/** The decision core's statistic for a merged bucket vector, or null when the buckets hold no data. */
export function toCohortStats(vector: BucketVector, wanted: StatsWanted = 'auto'): CohortStats | null {
  if (wanted === 'counter') {
    if (vector.counterIncrease === 0 && vector.count === 0) return null;
    // A non-monotonic sum sent as deltas can net out below zero; an increase cannot.
    return { kind: 'counter', increase: Math.max(vector.counterIncrease, 0), resets: 0 };
  }
  if (vector.explicit.size > 0 || vector.cumulative.size > 0) return explicitOf(vector);
  if (vector.exponential.size > 0) return exponentialOf(vector);
  if (vector.count > 0) {
    if (wanted === 'quantile' && hasRawSketch(vector)) return rawSketchOf(vector);
    return {
      kind: 'moments',
      count: Math.round(vector.count),
      sum: vector.sum,
      sumSquares: Math.max(vector.sumSquares, 0),
      min: vector.min ?? null,
      max: vector.max ?? null,
      last:
        vector.lastValue === undefined || vector.lastTime === undefined
          ? null
          : { value: vector.lastValue, time: vector.lastTime },
    };
  }
  if (vector.counterIncrease !== 0) {
    return { kind: 'counter', increase: Math.max(vector.counterIncrease, 0), resets: 0 };
  }
  return null;
}

function hasRawSketch(vector: BucketVector): boolean {
  return vector.raw.positive.size > 0 || vector.raw.negative.size > 0 || vector.raw.zeroCount > 0;
}

/**
 * One histogram per bucket layout stored, merged by the statistics module's rule: the same layout adds
 * bucket by bucket; different layouts are laid onto the bounds they share, so a bucket's count never
 * lands in a narrower bucket it may not belong to. Classic Prometheus buckets (`c:` fields) are one more
 * layout. Sum and extremes are the vector's own; the count is the vector's when it has one (a window can
 * hold `c:` fields before the `_count` series that goes with them), else the total of the buckets.
 */
function explicitOf(vector: BucketVector): CohortStats {
  let merged: ExplicitHistogram | null = null;
  let explicitTotal = 0;
  for (const counts of vector.explicit.values()) {
    const layout = layoutHistogram(counts);
    explicitTotal += layout.count;
    merged = merged === null ? layout : mergeHistograms(merged, layout);
  }
  if (vector.cumulative.size > 0) {
    // `n` counts the observations of every layout; the `b:` layouts' share is their bucket total.
    const layout = cumulativeHistogram(vector.cumulative, vector.count - explicitTotal);
    merged = merged === null ? layout : mergeHistograms(merged, layout);
  }
  const counts = merged?.counts ?? [0];
  return {
    kind: 'histogram',
    bounds: merged?.bounds ?? [],
    counts,
    count: vector.count > 0 ? vector.count : counts.reduce((a, b) => a + b, 0),
    sum: vector.sum,
    min: vector.min ?? null,
    max: vector.max ?? null,
  };
}

// A bound whose bucket was always empty has no field, so a layout is rebuilt from the bounds present:
// its empty buckets join the next one up, which coarsens the layout without moving any count.
function layoutHistogram(counts: ReadonlyMap<number, number>): ExplicitHistogram {
  const finite = [...counts.keys()].filter((b) => b !== Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  const all = [...finite.map((b) => counts.get(b) ?? 0), counts.get(Number.POSITIVE_INFINITY) ?? 0];
  return histogram(finite, all);
}

/**
 * Summed cumulative counts (bound → observations ≤ it) as per-bucket counts. Like Prometheus'
 * `histogram_quantile`, a count below the one of a lower bound is raised to it: sums over series of
 * different layouts, or a bucket series whose increase landed in a later bucket, are not monotonic. A
 * negative sum counts as none. The +Inf count is `c:+Inf` when stored, else the larger of `countHint`
 * (the observations `_count` gave this layout) and the highest finite count.
 */
function cumulativeHistogram(cumulative: ReadonlyMap<number, number>, countHint: number): ExplicitHistogram {
  const finite = [...cumulative.keys()].filter((b) => b !== Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  const counts: number[] = [];
  let below = 0;
  for (const bound of finite) {
    const atOrBelow = Math.max(cumulative.get(bound)!, below);
    counts.push(atOrBelow - below);
    below = atOrBelow;
  }
  const total = Math.max(cumulative.get(Number.POSITIVE_INFINITY) ?? countHint, below);
  counts.push(total - below);
  return histogram(finite, counts);
}

function histogram(bounds: number[], counts: number[]): ExplicitHistogram {
  return {
    kind: 'histogram',
    bounds,
    counts,
    count: counts.reduce((a, b) => a + b, 0),
    sum: 0,
    min: null,
    max: null,
  };
}

function exponentialOf(vector: BucketVector): ExponentialHistogram {
  const scale = Math.min(...vector.exponential.keys());
  const positive = new Map<number, number>();
  const negative = new Map<number, number>();
  for (const [s, sides] of vector.exponential) {
    const shift = 2 ** (s - scale);
    for (const [index, count] of sides.positive) add(positive, Math.floor(index / shift), count);
    for (const [index, count] of sides.negative) add(negative, Math.floor(index / shift), count);
  }
  return {
    kind: 'exponential',
    scale,
    zeroCount: vector.zeroCount,
    zeroThreshold: 0,
    positive: dense(positive),
    negative: dense(negative),
    count: vector.count,
    sum: vector.sum,
    min: vector.min ?? null,
    max: vector.max ?? null,
  };
}

function rawSketchOf(vector: BucketVector): ExponentialHistogram {
  return {
    kind: 'exponential',
    scale: SAMPLE_SKETCH_SCALE,
    zeroCount: vector.raw.zeroCount,
    zeroThreshold: 0,
    positive: dense(vector.raw.positive),
    negative: dense(vector.raw.negative),
    count: vector.count,
    sum: vector.sum,
    min: vector.min ?? null,
    max: vector.max ?? null,
  };
}

function add(map: Map<number, number>, key: number, value: number) {
  map.set(key, (map.get(key) ?? 0) + value);
}

function dense(sparse: ReadonlyMap<number, number>): { offset: number; counts: number[] } {
  if (sparse.size === 0) return { offset: 0, counts: [] };
  const indices = [...sparse.keys()];
  const offset = Math.min(...indices);
  const counts = new Array<number>(Math.max(...indices) - offset + 1).fill(0);
  for (const [index, count] of sparse) counts[index - offset] = count;
  return { offset, counts };
}
