import type { CohortStats } from './cohort-stats.ts';
import { momentsVariance } from './moments.ts';
import { explicitBuckets, exponentialBuckets, type ValueBucket } from './quantile.ts';

/** What a mean interval needs from one cohort. */
export interface MeanSummary {
  n: number;
  mean: number;
  /** unbiased sample variance of one observation */
  variance: number;
  /** true when the variance was read off histogram buckets rather than a sum of squares */
  approximate: boolean;
}

/** What a proportion interval needs from one cohort. */
export interface ProportionSummary {
  /** the denominator's increase: trials */
  n: number;
  /** numerator / denominator */
  p: number;
  /** variance of one trial, used for the interval (see unitVariance) */
  variance: number;
}

export type Summary<T> = { ok: true; value: T } | { ok: false; reason: string; n: number };

export function meanSummaryOf(stats: CohortStats): Summary<MeanSummary> {
  switch (stats.kind) {
    case 'moments': {
      const variance = momentsVariance(stats);
      if (variance === null)
        return { ok: false, reason: `${stats.count} value(s); a mean interval needs 2`, n: stats.count };
      return {
        ok: true,
        value: { n: stats.count, mean: stats.sum / stats.count, variance, approximate: false },
      };
    }
    case 'histogram':
    case 'exponential': {
      if (stats.count < 2)
        return {
          ok: false,
          reason: `${stats.count} observation(s); a mean interval needs 2`,
          n: stats.count,
        };
      const buckets =
        stats.kind === 'histogram' ? explicitBuckets(stats, 'prometheus') : exponentialBuckets(stats);
      const mean = stats.sum / stats.count;
      const variance = bucketVariance(buckets, mean, stats.count);
      if (variance === null) {
        return {
          ok: false,
          reason: 'the histogram has observations in an unbounded bucket and no min/max',
          n: stats.count,
        };
      }
      return { ok: true, value: { n: stats.count, mean, variance, approximate: true } };
    }
    default:
      return { ok: false, reason: `a mean interval needs moments or a histogram, not ${stats.kind}`, n: 0 };
  }
}

/**
 * Variance from bucket midpoints around the exact mean (Sheppard-style: each bucket's values are
 * taken at its midpoint). An approximation: it is what a histogram allows without a sum of squares.
 */
function bucketVariance(buckets: readonly ValueBucket[], mean: number, count: number): number | null {
  let ss = 0;
  for (const b of buckets) {
    if (b.count === 0) continue;
    if (!Number.isFinite(b.lower) || !Number.isFinite(b.upper)) return null;
    const mid = (b.lower + b.upper) / 2;
    ss += b.count * (mid - mean) ** 2;
  }
  return ss / (count - 1);
}

export function proportionSummaryOf(stats: CohortStats): Summary<ProportionSummary> {
  if (stats.kind !== 'ratio') {
    return { ok: false, reason: `a proportion interval needs a ratio, not ${stats.kind}`, n: 0 };
  }
  const n = stats.denominator;
  if (n <= 0) return { ok: false, reason: 'the denominator did not increase in the window', n: 0 };
  const p = stats.numerator / n;
  return { ok: true, value: { n, p, variance: unitVariance(stats.numerator, n) } };
}

/**
 * Variance of one trial for the interval. A proportion (numerator ≤ denominator) uses the
 * binomial p(1 − p) at p̃ = (x + 1)/(n + 2), one pseudo-success and one pseudo-failure as in
 * Agresti & Caffo (2000), so that zero errors in a cohort do not claim zero variance. A ratio
 * above 1 (sessions per shift) is not a proportion: it is treated as a Poisson count per unit of
 * the denominator, variance p̃ = (x + 1)/n.
 */
export function unitVariance(numerator: number, denominator: number): number {
  if (numerator <= denominator) {
    const p = (numerator + 1) / (denominator + 2);
    return p * (1 - p);
  }
  return (numerator + 1) / denominator;
}
