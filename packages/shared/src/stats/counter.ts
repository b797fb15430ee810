import { z } from 'zod';
import { type ExplicitHistogram, sameBounds } from './explicit-histogram.ts';

/** The increase of a monotonic counter over a bucket of time, with the resets seen inside it. */
export const counterSchema = z.object({
  kind: z.literal('counter'),
  increase: z.number().nonnegative(),
  resets: z.number().int().nonnegative(),
});
export type CounterIncrease = z.infer<typeof counterSchema>;

export function counterOf(increase: number, resets = 0): CounterIncrease {
  return { kind: 'counter', increase, resets };
}

export function mergeCounters(a: CounterIncrease, b: CounterIncrease): CounterIncrease {
  return { kind: 'counter', increase: a.increase + b.increase, resets: a.resets + b.resets };
}

/** A cumulative value as it arrives; `startTime` is OTLP's start_time_unix_nano in ms, if sent. */
export interface CumulativePoint {
  value: number;
  startTime?: number | undefined;
}

export interface Increase {
  increase: number;
  reset: boolean;
}

/**
 * The increase between two successive cumulative values of one series. A value lower than the
 * previous one, or a changed start time, means the counter restarted: the increase is then the
 * new value (everything counted since the restart). The first point of a series has no
 * predecessor and yields 0, because how much of its value falls inside our window is unknown —
 * the same choice Prometheus' increase() makes.
 */
export function cumulativeIncrease(prev: CumulativePoint | undefined, next: CumulativePoint): Increase {
  if (prev === undefined) return { increase: 0, reset: false };
  if (restarted(prev.startTime, next.startTime) || next.value < prev.value) {
    return { increase: next.value, reset: true };
  }
  return { increase: next.value - prev.value, reset: false };
}

export interface CumulativeHistogramPoint {
  histogram: ExplicitHistogram;
  startTime?: number | undefined;
}

export interface HistogramIncrease {
  /** counts and sum are increases; min and max are unknown (null) unless the series restarted */
  histogram: ExplicitHistogram;
  reset: boolean;
}

/**
 * Bucket-wise increase of a cumulative histogram. A restart is a changed start time, a lower
 * total count or any lower bucket; changed bounds are treated as a restart too, because the old
 * buckets cannot be subtracted from the new ones.
 */
export function cumulativeHistogramIncrease(
  prev: CumulativeHistogramPoint | undefined,
  next: CumulativeHistogramPoint,
): HistogramIncrease {
  const h = next.histogram;
  if (prev === undefined) {
    return {
      histogram: { ...h, counts: h.counts.map(() => 0), count: 0, sum: 0, min: null, max: null },
      reset: false,
    };
  }
  const p = prev.histogram;
  const reset =
    restarted(prev.startTime, next.startTime) ||
    !sameBounds(p.bounds, h.bounds) ||
    h.count < p.count ||
    h.counts.some((c, i) => c < p.counts[i]!);
  if (reset) return { histogram: { ...h, counts: [...h.counts], bounds: [...h.bounds] }, reset: true };
  return {
    histogram: {
      kind: 'histogram',
      bounds: [...h.bounds],
      counts: h.counts.map((c, i) => c - p.counts[i]!),
      count: h.count - p.count,
      sum: h.sum - p.sum,
      min: null,
      max: null,
    },
    reset: false,
  };
}

function restarted(prev: number | undefined, next: number | undefined): boolean {
  return prev !== undefined && next !== undefined && prev !== next;
}
