/**
 * The two-sided normal-mixture boundary (Robbins 1970; the mSPRT of Johari, Pekelis & Walsh) as
 * a confidence-sequence radius. For an estimate whose variance is `variance` now, mixing over
 * effects N(0, τ²) gives, simultaneously for all times with probability ≥ 1 − α,
 *
 *   |estimate − truth| ≤ √( V · (1 + V/τ²) · (ln(1 + τ²/V) − 2 ln α) ).
 *
 * τ² is set from a horizon: the variance the estimate will have when each cohort holds `horizon`
 * samples (`horizonVariance`), times the ratio that makes the radius smallest at that point.
 * See STATISTICS.md.
 */

/** Samples per cohort at which intervals are tightest: 2,000 requests/min for ~10 minutes. */
export const DEFAULT_HORIZON = 20_000;

/**
 * The τ²/V that minimises the radius for a given α: the root of x = ln(1 + x) − 2 ln α
 * (set the derivative of (1 + 1/x)(ln(1 + x) − 2 ln α) to zero). About 8.2 at α = 0.05.
 */
const ratioByAlpha = new Map<number, number>();

export function optimalMixtureRatio(alpha: number): number {
  let x = ratioByAlpha.get(alpha);
  if (x === undefined) {
    x = solveMixtureRatio(alpha);
    // Confidences are a handful of spec values; the cache stays tiny.
    if (ratioByAlpha.size < 64) ratioByAlpha.set(alpha, x);
  }
  return x;
}

function solveMixtureRatio(alpha: number): number {
  const l = -2 * Math.log(alpha);
  let x = l + 1;
  // A contraction (derivative 1/(1+x) < 1): converges to machine precision in a few dozen steps.
  for (let i = 0; i < 200; i++) {
    const next = Math.log1p(x) + l;
    if (Math.abs(next - x) < 1e-14 * next) return next;
    x = next;
  }
  return x;
}

export interface MixtureRadiusInput {
  /** variance of the estimate now (e.g. σt²/nt + σc²/nc) */
  variance: number;
  /** variance the estimate would have at the tuning horizon */
  horizonVariance: number;
  /** 1 − confidence */
  alpha: number;
}

export function mixtureRadius({ variance, horizonVariance, alpha }: MixtureRadiusInput): number {
  const tau2 = optimalMixtureRatio(alpha) * horizonVariance;
  const u = tau2 / variance;
  return Math.sqrt(variance * (1 + 1 / u) * (Math.log1p(u) - 2 * Math.log(alpha)));
}
