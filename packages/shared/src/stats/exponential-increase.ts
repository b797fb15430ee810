import {
  downscaleExponential,
  type ExponentialBuckets,
  type ExponentialHistogram,
  emptyExponential,
} from './exponential-histogram.ts';

export interface CumulativeExponentialPoint {
  histogram: ExponentialHistogram;
  /** OTLP start_time_unix_nano in ms, if sent */
  startTime?: number | undefined;
}

export interface ExponentialIncrease {
  /** bucket counts, zero count, count and sum are increases; min and max unknown unless reset */
  histogram: ExponentialHistogram;
  reset: boolean;
}

/**
 * Bucket-wise increase of a cumulative exponential histogram. SDKs lower the scale of a cumulative
 * stream as its range grows, so both points are first brought to the lower scale. A changed start
 * time or zero threshold, a lower count or zero count, or any bucket that shrank is a restart: the
 * increase is then the new histogram whole. The first point of a series yields an empty increase.
 */
export function cumulativeExponentialIncrease(
  prev: CumulativeExponentialPoint | undefined,
  next: CumulativeExponentialPoint,
): ExponentialIncrease {
  const h = next.histogram;
  if (prev === undefined) {
    return { histogram: { ...emptyExponential(h.scale), zeroThreshold: h.zeroThreshold }, reset: false };
  }
  const p = prev.histogram;
  const restart = { histogram: h, reset: true };
  const startChanged =
    prev.startTime !== undefined && next.startTime !== undefined && prev.startTime !== next.startTime;
  if (startChanged || p.zeroThreshold !== h.zeroThreshold || h.count < p.count || h.zeroCount < p.zeroCount) {
    return restart;
  }
  const scale = Math.min(p.scale, h.scale);
  const a = downscaleExponential(h, h.scale - scale);
  const b = downscaleExponential(p, p.scale - scale);
  const positive = subtract(a.positive, b.positive);
  const negative = subtract(a.negative, b.negative);
  if (positive === null || negative === null) return restart;
  return {
    histogram: {
      kind: 'exponential',
      scale,
      zeroCount: h.zeroCount - p.zeroCount,
      zeroThreshold: h.zeroThreshold,
      positive,
      negative,
      count: h.count - p.count,
      sum: h.sum - p.sum,
      min: null,
      max: null,
    },
    reset: false,
  };
}

/** a − b bucket by bucket, or null when some bucket of b exceeds a's (the stream restarted). */
function subtract(a: ExponentialBuckets, b: ExponentialBuckets): ExponentialBuckets | null {
  const counts = [...a.counts];
  for (let i = 0; i < b.counts.length; i++) {
    const c = b.counts[i]!;
    if (c === 0) continue;
    const j = b.offset + i - a.offset;
    if (j < 0 || j >= counts.length || counts[j]! < c) return null;
    counts[j] = counts[j]! - c;
  }
  return { offset: a.offset, counts };
}
