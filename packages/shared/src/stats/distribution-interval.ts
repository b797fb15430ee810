import type { CohortStats } from './cohort-stats.ts';
import { unitVariance } from './cohort-summary.ts';
import {
  type BoundaryOptions,
  countsAtOrBelow,
  type DistributionSource,
  distributionBoundaries,
  distributionSourceOf,
} from './distribution-boundaries.ts';
import { checkConfidence, type IntervalMethod, type IntervalResult } from './interval-result.ts';
import { DEFAULT_HORIZON } from './normal-mixture.ts';
import { type Arm, baselineBounds, type CompareOptions, controlBounds } from './sequential-interval.ts';

/**
 * One boundary b: each cohort's share of observations at or below b (its CDF there) and the always-valid
 * interval of the difference treatment − reference, at α/J.
 */
export interface DistributionPoint {
  readonly boundary: number;
  readonly treatment: number;
  readonly reference: number;
  readonly difference: number;
  readonly lower: number;
  readonly upper: number;
}

/** Both distributions, and where they differ most. */
export interface DistributionComparison {
  readonly points: readonly DistributionPoint[];
  /** Index in `points` of the largest |difference|: where the two distributions differ most. */
  readonly widest: number;
  /** The error budget each boundary's interval spends: (1 − confidence) / points. */
  readonly alphaPerBoundary: number;
}

export type DistributionResult = { interval: IntervalResult; comparison?: DistributionComparison };

export interface DistributionOptions extends CompareOptions, BoundaryOptions {}

const METHODS = {
  control: 'normal-mixture distribution distance (union bound over boundaries)',
  baseline: 'normal-mixture distribution distance vs fixed baseline (union bound over boundaries)',
} as const satisfies Record<string, IntervalMethod>;

/**
 * The distance between two distributions read at J boundaries — the largest |F_t(b) − F_r(b)|, the share of
 * observations that moved across some boundary — with an interval valid under continuous monitoring.
 * Each boundary's difference is a difference of two binomial proportions with its own normal-mixture
 * confidence sequence at α/J (the proportion checks' machinery); by the union bound all J hold at once with
 * probability ≥ 1 − α, and then the distance lies between the largest distance of an interval from 0 and the
 * largest |end| of any interval. That is the interval returned. See STATISTICS.md §3.
 */
export function distributionInterval(
  treatment: CohortStats,
  reference: CohortStats,
  opts: DistributionOptions,
): DistributionResult {
  checkConfidence(opts.confidence);
  const against = opts.reference ?? 'control';
  const method = METHODS[against];
  const t = distributionSourceOf(treatment);
  const r = distributionSourceOf(reference);
  const n = { treatment: t.ok ? t.source.n : 0, control: r.ok ? r.source.n : 0 };
  const insufficient = (reason: string): DistributionResult => ({
    interval: { status: 'insufficient', reason, estimate: null, confidence: opts.confidence, method, n },
  });
  if (!t.ok) return insufficient(`treatment: ${t.reason}`);
  if (!r.ok) return insufficient(`${against}: ${r.reason}`);
  if (t.source.n <= 0 || r.source.n <= 0) return insufficient('no observations in a cohort');
  const boundaries = distributionBoundaries(t.source, r.source, opts);
  if (boundaries.length === 0) {
    return insufficient(
      'no boundary splits both cohorts without cutting a bucket; declare boundaries on shared bucket bounds',
    );
  }
  const comparison = compareAt(t.source, r.source, boundaries, against, opts);
  const lower = Math.max(0, ...comparison.points.map((p) => Math.max(p.lower, -p.upper)));
  const upper = Math.min(1, Math.max(...comparison.points.map((p) => Math.max(-p.lower, p.upper))));
  const widest = comparison.points[comparison.widest]!;
  return {
    interval: {
      status: 'ok',
      estimate: Math.abs(widest.difference),
      lower,
      upper: Math.max(upper, lower),
      confidence: opts.confidence,
      method,
      n,
    },
    comparison,
  };
}

function compareAt(
  t: DistributionSource,
  r: DistributionSource,
  boundaries: readonly number[],
  against: 'control' | 'baseline',
  opts: DistributionOptions,
): DistributionComparison {
  const alpha = (1 - opts.confidence) / boundaries.length;
  const horizon = opts.horizon ?? DEFAULT_HORIZON;
  const below = { t: countsAtOrBelow(t, boundaries), r: countsAtOrBelow(r, boundaries) };
  let widest = 0;
  const points = boundaries.map((boundary, i): DistributionPoint => {
    const tArm = armOf(below.t[i]!, t.n);
    const rArm = armOf(below.r[i]!, r.n);
    const bounds =
      against === 'baseline'
        ? baselineBounds(tArm, rArm, false, alpha, horizon)
        : controlBounds(tArm, rArm, false, alpha, horizon);
    const difference = tArm.estimate - rArm.estimate;
    // The Agresti–Caffo variance is never zero, so the bounds always exist; the fallback only guards types.
    const [lower, upper] = 'lower' in bounds ? [bounds.lower, bounds.upper] : [-1, 1];
    return { boundary, treatment: tArm.estimate, reference: rArm.estimate, difference, lower, upper };
  });
  points.forEach((p, i) => {
    if (Math.abs(p.difference) > Math.abs(points[widest]!.difference)) widest = i;
  });
  return { points, widest, alphaPerBoundary: alpha };
}

/** A share at a boundary as a proportion arm: the binomial variance at p̃ = (k + 1)/(n + 2). */
function armOf(atOrBelow: number, n: number): Arm {
  return { n, estimate: atOrBelow / n, variance: unitVariance(atOrBelow, n) };
}
