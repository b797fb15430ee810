import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';
import binomialQuantile from '@stdlib/stats-base-dists-binomial-quantile';
import type { CohortStats } from './cohort-stats.ts';
import { checkConfidence, type IntervalMethod, type IntervalResult } from './interval-result.ts';
import { DEFAULT_HORIZON, mixtureRadius } from './normal-mixture.ts';
import { orderStatisticRange, type QuantileSource, quantileOf, quantileSourceCount } from './quantile.ts';
import { type CompareOptions, combine, finish, type IntervalOptions } from './sequential-interval.ts';

type Bounds = { estimate: number; lower: number; upper: number };
type Outcome = Bounds | { reason: string; estimate: number | null };

/**
 * The ranks between which the true q-quantile lies, given a bound `radius` on how far the share
 * of observations below it can stray from q: at least ⌈n(q − r)⌉ observations lie at or below the
 * quantile and at most ⌊n(q + r)⌋ do, so it lies between order statistics low and high.
 */
export function quantileRankBand(n: number, q: number, radius: number): { low: number; high: number } {
  return { low: Math.ceil(n * (q - radius)), high: Math.floor(n * (q + radius)) + 1 };
}

/**
 * The classical fixed-sample order-statistic interval: the number B of observations at or below
 * the true q-quantile is Binomial(n, q), and [X(low), X(high)] covers the quantile exactly when
 * low ≤ B ≤ high − 1. low is the largest rank with P(B ≤ low − 1) ≤ α/2, high the smallest with
 * P(B ≥ high) ≤ α/2, so coverage is at least 1 − α for any continuous distribution.
 */
export function binomialRankBand(n: number, q: number, alpha: number): { low: number; high: number } {
  const k = binomialQuantile(alpha / 2, n, q);
  const low = binomialCdf(k, n, q) <= alpha / 2 ? k + 1 : k;
  const high = binomialQuantile(1 - alpha / 2, n, q) + 1;
  return { low, high };
}

/**
 * Bounds on the q-quantile from a histogram or raw samples. `sequential`: the share of
 * observations below the true quantile is a running mean of Bernoulli(q) indicators, bounded at
 * every n by the normal mixture (a confidence sequence); otherwise the exact binomial
 * order-statistic interval for one fixed sample (used for a baseline window).
 */
export function quantileBounds(
  source: QuantileSource,
  q: number,
  alpha: number,
  horizon: number,
  sequential: boolean,
): Outcome {
  const n = quantileSourceCount(source);
  const estimate = n === 0 ? null : quantileOf(source, q);
  if (n === 0 || estimate === null) return { reason: 'no observations', estimate: null };
  const a = q * (1 - q);
  if (a === 0)
    return { reason: `quantile ${q} is the ${q === 0 ? 'min' : 'max'}, which has no interval`, estimate };
  const { low, high } = sequential
    ? quantileRankBand(n, q, mixtureRadius({ variance: a / n, horizonVariance: a / horizon, alpha }))
    : binomialRankBand(n, q, alpha);
  return {
    estimate,
    lower: orderStatisticRange(source, low).lower,
    upper: orderStatisticRange(source, high).upper,
  };
}

/** One-sample interval for an absolute check on a quantile. */
export function quantileInterval(stats: CohortStats, q: number, opts: IntervalOptions): IntervalResult {
  checkConfidence(opts.confidence);
  const method: IntervalMethod = 'mixture rank bound quantile';
  if (!isQuantileSource(stats)) return notAQuantileSource(stats, method, opts.confidence);
  const out = quantileBounds(stats, q, 1 - opts.confidence, opts.horizon ?? DEFAULT_HORIZON, true);
  return finish(out, method, opts, { treatment: quantileSourceCount(stats) });
}

/**
 * Difference of two quantiles: each cohort's quantile bounded at α/2 (the treatment by a
 * confidence sequence; a control by one too, a baseline by a fixed-sample bound), then combined
 * by interval arithmetic — valid by the union bound.
 */
export function quantileDifferenceInterval(
  treatment: CohortStats,
  reference: CohortStats,
  q: number,
  opts: CompareOptions,
): IntervalResult {
  checkConfidence(opts.confidence);
  const baseline = opts.reference === 'baseline';
  const relative = opts.relative ?? false;
  const methods = [
    ['mixture rank bound quantile difference', 'mixture rank bound relative quantile difference'],
    [
      'mixture rank bound quantile vs fixed baseline',
      'mixture rank bound relative quantile vs fixed baseline',
    ],
  ] as const;
  const method = methods[baseline ? 1 : 0][relative ? 1 : 0];
  if (!isQuantileSource(treatment)) return notAQuantileSource(treatment, method, opts.confidence);
  if (!isQuantileSource(reference)) return notAQuantileSource(reference, method, opts.confidence);
  const n = { treatment: quantileSourceCount(treatment), control: quantileSourceCount(reference) };
  const alpha = (1 - opts.confidence) / 2;
  const horizon = opts.horizon ?? DEFAULT_HORIZON;
  const t = quantileBounds(treatment, q, alpha, horizon, true);
  const r = quantileBounds(reference, q, alpha, horizon, !baseline);
  if (!('lower' in t)) return finish({ reason: `treatment: ${t.reason}`, estimate: null }, method, opts, n);
  if (!('lower' in r))
    return finish({ reason: `${opts.reference ?? 'control'}: ${r.reason}`, estimate: null }, method, opts, n);
  return finish(combine(t, r, relative), method, opts, n);
}

function isQuantileSource(s: CohortStats): s is QuantileSource {
  return s.kind === 'histogram' || s.kind === 'exponential' || s.kind === 'samples';
}

function notAQuantileSource(s: CohortStats, method: IntervalMethod, confidence: number): IntervalResult {
  return {
    status: 'insufficient',
    reason: `a quantile needs a histogram or raw samples, not ${s.kind}`,
    estimate: null,
    confidence,
    method,
    n: { treatment: 0 },
  };
}
