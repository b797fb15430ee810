import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import quantileOfNormal from '@stdlib/stats-base-dists-normal-quantile';
import { DEFAULT_HORIZON, mixtureRadius } from '../stats/normal-mixture.ts';

/**
 * How one check's always-valid interval narrows as a wave bakes: the same normal-mixture radius the
 * evaluator computes (STATISTICS.md §3), as a function of minutes of traffic instead of observed data.
 * Variances are per observation and in the units of the compared quantity (delta method already applied
 * for relative limits).
 */
export interface IntervalDesign {
  /** Per-observation variance of the treatment's estimate. */
  readonly treatmentVariance: number;
  /** Treatment samples per minute. */
  readonly treatmentPerMinute: number;
  /**
   * The reference: none (an absolute check: one sample), a control cohort growing alongside, or a fixed
   * sample (the baseline window, or the previous wave's control at 100%).
   */
  readonly reference:
    | { readonly kind: 'none' }
    | { readonly kind: 'control'; readonly variance: number; readonly perMinute: number }
    | { readonly kind: 'fixed'; readonly variance: number; readonly samples: number };
  readonly confidence: number;
  /** Samples per cohort at which intervals are tightest; the evaluator's default. */
  readonly horizon?: number;
}

/** Variance of the estimate after `minutes` of traffic (the fixed reference's share is constant). */
export function estimateVariance(design: IntervalDesign, minutes: number): number {
  const treatment = design.treatmentVariance / (design.treatmentPerMinute * minutes);
  const ref = design.reference;
  return ref.kind === 'control' ? treatment + ref.variance / (ref.perMinute * minutes) : treatment;
}

/** Half the width of the interval after `minutes`, exactly as `sequential-interval.ts` computes it. */
export function radiusAfter(design: IntervalDesign, minutes: number): number {
  const alpha = 1 - design.confidence;
  const horizon = design.horizon ?? DEFAULT_HORIZON;
  const ref = design.reference;
  if (ref.kind === 'control') {
    return mixtureRadius({
      variance: estimateVariance(design, minutes),
      horizonVariance: (design.treatmentVariance + ref.variance) / horizon,
      alpha,
    });
  }
  if (ref.kind === 'none') {
    return mixtureRadius({
      variance: estimateVariance(design, minutes),
      horizonVariance: design.treatmentVariance / horizon,
      alpha,
    });
  }
  // Against a fixed sample: the treatment's sequence at α/2 plus the sample's fixed interval at α/2.
  return (
    mixtureRadius({
      variance: estimateVariance(design, minutes),
      horizonVariance: design.treatmentVariance / horizon,
      alpha: alpha / 2,
    }) +
    quantileOfNormal(1 - alpha / 4, 0, 1) * Math.sqrt(ref.variance / ref.samples)
  );
}

/** The narrowest the interval can ever get: the fixed reference's own half-width (0 otherwise). */
export function radiusFloor(design: IntervalDesign): number {
  const ref = design.reference;
  if (ref.kind !== 'fixed') return 0;
  return quantileOfNormal(1 - (1 - design.confidence) / 4, 0, 1) * Math.sqrt(ref.variance / ref.samples);
}

const MAX_MINUTES = 10 * 365 * 24 * 60;

/**
 * Minutes until the interval's half-width is `distance`: when an estimate sitting at its expected value
 * `distance` from a bound has an interval that no longer reaches the bound — so a checkpoint then finds the
 * check conclusive in half the runs. Infinity when it never gets there (within ten years, or ever).
 */
export function minutesToRadius(design: IntervalDesign, distance: number): number {
  if (!(distance > radiusFloor(design))) return Number.POSITIVE_INFINITY;
  if (radiusAfter(design, MAX_MINUTES) > distance) return Number.POSITIVE_INFINITY;
  // The radius falls monotonically with data: bisect on log time.
  let lo = Math.log(1e-6);
  let hi = Math.log(MAX_MINUTES);
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (radiusAfter(design, Math.exp(mid)) > distance) lo = mid;
    else hi = mid;
  }
  return Math.exp(hi);
}

/** Minutes after which at least `share` of runs find the check conclusive at a checkpoint (normal approximation). */
export function minutesToConclusive(design: IntervalDesign, distance: number, share = 0.5): number {
  if (share === 0.5) return minutesToRadius(design, distance);
  const z = quantileOfNormal(share, 0, 1);
  if (!(distance > radiusFloor(design))) return Number.POSITIVE_INFINITY;
  const gap = (minutes: number) =>
    distance - radiusAfter(design, minutes) - z * Math.sqrt(estimateVariance(design, minutes));
  if (gap(MAX_MINUTES) < 0) return Number.POSITIVE_INFINITY;
  let lo = Math.log(1e-6);
  let hi = Math.log(MAX_MINUTES);
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (gap(Math.exp(mid)) < 0) lo = mid;
    else hi = mid;
  }
  return Math.exp(hi);
}

/**
 * Median minutes until a guardrail whose true value lies `distance` beyond its bound is first judged
 * breached, watched continuously. The estimate's distance past the bound, scaled by the information
 * 1/V, is a Brownian motion with drift `distance`; it must cross the curved boundary radius·information.
 * Replacing that boundary by its tangent where the expected path meets it leaves the first passage of a
 * drifted Brownian motion over a line: an inverse Gaussian (Wald) time, whose median we take.
 */
export function medianMinutesToBreach(design: IntervalDesign, distance: number): number {
  const crossing = minutesToRadius(design, distance);
  if (!Number.isFinite(crossing)) return crossing;
  // Information grows linearly with minutes: I(t) = t / (V(1)·1), so work in minutes with I = t·k.
  const k = 1 / estimateVariance(design, 1);
  const boundary = (minutes: number) => radiusAfter(design, minutes) * k * minutes;
  const h = crossing * 1e-4;
  const slope = (boundary(crossing + h) - boundary(crossing - h)) / (2 * h * k);
  const drift = distance - slope;
  const level = boundary(crossing) - slope * k * crossing;
  if (!(drift > 0) || !(level > 0)) return crossing;
  const mean = level / drift;
  const shape = level * level;
  const median = inverseGaussianMedian(mean, shape);
  return median / k;
}

/** The CDF of the inverse Gaussian (Wald) distribution with mean m and shape λ. */
export function inverseGaussianCdf(x: number, mean: number, shape: number): number {
  if (!(x > 0)) return 0;
  const a = Math.sqrt(shape / x);
  const first = normalCdf(a * (x / mean - 1), 0, 1);
  // e^{2λ/m}·Φ(−a(x/m + 1)), in logs so a large λ/m does not overflow.
  const tail = normalCdf(-a * (x / mean + 1), 0, 1);
  const second = tail > 0 ? Math.exp((2 * shape) / mean + Math.log(tail)) : 0;
  return Math.min(1, first + second);
}

function inverseGaussianMedian(mean: number, shape: number): number {
  let lo = 0;
  let hi = mean;
  while (inverseGaussianCdf(hi, mean, shape) < 0.5) hi *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (inverseGaussianCdf(mid, mean, shape) < 0.5) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
