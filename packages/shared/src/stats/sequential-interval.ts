import quantileOfNormal from '@stdlib/stats-base-dists-normal-quantile';
import type { CohortStats } from './cohort-stats.ts';
import { meanSummaryOf, proportionSummaryOf, type Summary } from './cohort-summary.ts';
import {
  checkConfidence,
  type IntervalMethod,
  type IntervalResult,
  type SampleSizes,
} from './interval-result.ts';
import { DEFAULT_HORIZON, mixtureRadius } from './normal-mixture.ts';

export interface IntervalOptions {
  /** e.g. 0.95: the interval covers the truth at every evaluation at once with this probability */
  confidence: number;
  /** samples per cohort at which the interval is tightest (see STATISTICS.md); default 20,000 */
  horizon?: number;
}

export interface CompareOptions extends IntervalOptions {
  /** (t − c)/c instead of t − c */
  relative?: boolean;
  /** `control`: a cohort growing alongside; `baseline`: a fixed pre-rollout sample */
  reference?: 'control' | 'baseline';
}

/** One cohort reduced to an estimate, the variance of one observation and a sample size. */
export interface Arm {
  n: number;
  estimate: number;
  variance: number;
}

type Bounds = { estimate: number; lower: number; upper: number };
type Outcome = Bounds | { reason: string; estimate: number | null };

/** One-sample interval for an absolute check on a mean. */
export function meanInterval(stats: CohortStats, opts: IntervalOptions): IntervalResult {
  return oneSample(meanArm(meanSummaryOf(stats)), 'normal-mixture mean', opts);
}

/** One-sample interval for an absolute check on a ratio (errors / requests). */
export function proportionInterval(stats: CohortStats, opts: IntervalOptions): IntervalResult {
  return oneSample(proportionArm(proportionSummaryOf(stats)), 'normal-mixture proportion', opts);
}

/** Treatment − reference (or (t − r)/r) of two means, with Welch's variance. */
export function meanDifferenceInterval(
  treatment: CohortStats,
  reference: CohortStats,
  opts: CompareOptions,
): IntervalResult {
  const methods = {
    control: [
      'normal-mixture mean difference (Welch)',
      'normal-mixture relative mean difference (Welch, delta method)',
    ],
    baseline: ['normal-mixture mean vs fixed baseline', 'normal-mixture relative mean vs fixed baseline'],
  } as const;
  const method = methods[opts.reference ?? 'control'][opts.relative ? 1 : 0];
  return twoSample(meanArm(meanSummaryOf(treatment)), meanArm(meanSummaryOf(reference)), method, opts);
}

/** Treatment − reference (or relative) of two proportions, with binomial variances. */
export function proportionDifferenceInterval(
  treatment: CohortStats,
  reference: CohortStats,
  opts: CompareOptions,
): IntervalResult {
  const methods = {
    control: [
      'normal-mixture proportion difference',
      'normal-mixture relative proportion difference (delta method)',
    ],
    baseline: [
      'normal-mixture proportion vs fixed baseline',
      'normal-mixture relative proportion vs fixed baseline',
    ],
  } as const;
  const method = methods[opts.reference ?? 'control'][opts.relative ? 1 : 0];
  return twoSample(
    proportionArm(proportionSummaryOf(treatment)),
    proportionArm(proportionSummaryOf(reference)),
    method,
    opts,
  );
}

// ---- the arithmetic, on arms -------------------------------------------------------------

/** A confidence sequence for one cohort's true value. */
export function oneSampleBounds(arm: Arm, alpha: number, horizon: number): Outcome {
  if (!(arm.variance > 0))
    return { reason: 'zero variance: every observation is the same', estimate: arm.estimate };
  const r = mixtureRadius({ variance: arm.variance / arm.n, horizonVariance: arm.variance / horizon, alpha });
  return { estimate: arm.estimate, lower: arm.estimate - r, upper: arm.estimate + r };
}

/**
 * Two cohorts observed alongside each other: one confidence sequence on the difference, with
 * V = σt²/nt + σc²/nc. Relative differences by the delta method: (t − c)/c with
 * V = (σt² /nt + (t/c)² σc²/nc) / c².
 */
export function controlBounds(t: Arm, c: Arm, relative: boolean, alpha: number, horizon: number): Outcome {
  let estimate = t.estimate - c.estimate;
  let at = t.variance;
  let ac = c.variance;
  if (relative) {
    if (c.estimate === 0)
      return { reason: 'the control value is 0, so a relative difference is undefined', estimate: null };
    const ratio = t.estimate / c.estimate;
    estimate = ratio - 1;
    at = t.variance / c.estimate ** 2;
    ac = (ratio ** 2 * c.variance) / c.estimate ** 2;
  }
  const variance = at / t.n + ac / c.n;
  if (!(variance > 0)) return { reason: 'zero variance in both cohorts', estimate };
  const r = mixtureRadius({ variance, horizonVariance: (at + ac) / horizon, alpha });
  return { estimate, lower: estimate - r, upper: estimate + r };
}

/**
 * Against a fixed baseline sample: a confidence sequence at α/2 for the treatment and a
 * fixed-sample normal interval at α/2 for the baseline, combined by interval arithmetic. By the
 * union bound both hold at once with probability ≥ 1 − α, at every evaluation.
 */
export function baselineBounds(t: Arm, b: Arm, relative: boolean, alpha: number, horizon: number): Outcome {
  const estimate = relative
    ? b.estimate === 0
      ? null
      : t.estimate / b.estimate - 1
    : t.estimate - b.estimate;
  if (!(b.variance > 0)) return { reason: 'zero variance in the baseline', estimate };
  const tb = oneSampleBounds(t, alpha / 2, horizon);
  if (!('lower' in tb)) return { reason: `treatment: ${tb.reason}`, estimate };
  const rb = quantileOfNormal(1 - alpha / 4, 0, 1) * Math.sqrt(b.variance / b.n);
  return combine(tb, { estimate: b.estimate, lower: b.estimate - rb, upper: b.estimate + rb }, relative);
}

/** t − r, or t/r − 1, of two intervals that hold together. */
export function combine(t: Bounds, r: Bounds, relative: boolean): Outcome {
  if (!relative) {
    return { estimate: t.estimate - r.estimate, lower: t.lower - r.upper, upper: t.upper - r.lower };
  }
  if (r.lower <= 0 && r.upper >= 0) {
    return {
      reason: 'the reference interval contains 0, so a relative difference is unbounded',
      estimate: r.estimate === 0 ? null : t.estimate / r.estimate - 1,
    };
  }
  const q = [t.lower / r.lower, t.lower / r.upper, t.upper / r.lower, t.upper / r.upper].filter(
    (x) => !Number.isNaN(x),
  );
  return { estimate: t.estimate / r.estimate - 1, lower: Math.min(...q) - 1, upper: Math.max(...q) - 1 };
}

function meanArm(s: Summary<{ n: number; mean: number; variance: number }>): Summary<Arm> {
  return s.ok ? { ok: true, value: { n: s.value.n, estimate: s.value.mean, variance: s.value.variance } } : s;
}

function proportionArm(s: Summary<{ n: number; p: number; variance: number }>): Summary<Arm> {
  return s.ok ? { ok: true, value: { n: s.value.n, estimate: s.value.p, variance: s.value.variance } } : s;
}

function oneSample(arm: Summary<Arm>, method: IntervalMethod, opts: IntervalOptions): IntervalResult {
  checkConfidence(opts.confidence);
  const n: SampleSizes = { treatment: arm.ok ? arm.value.n : arm.n };
  if (!arm.ok)
    return {
      status: 'insufficient',
      reason: arm.reason,
      estimate: null,
      confidence: opts.confidence,
      method,
      n,
    };
  return finish(
    oneSampleBounds(arm.value, 1 - opts.confidence, opts.horizon ?? DEFAULT_HORIZON),
    method,
    opts,
    n,
  );
}

function twoSample(
  t: Summary<Arm>,
  r: Summary<Arm>,
  method: IntervalMethod,
  opts: CompareOptions,
): IntervalResult {
  checkConfidence(opts.confidence);
  const n: SampleSizes = { treatment: t.ok ? t.value.n : t.n, control: r.ok ? r.value.n : r.n };
  const name = opts.reference ?? 'control';
  if (!t.ok || !r.ok) {
    const reason = t.ok ? `${name}: ${(r as { reason: string }).reason}` : `treatment: ${t.reason}`;
    return { status: 'insufficient', reason, estimate: null, confidence: opts.confidence, method, n };
  }
  const alpha = 1 - opts.confidence;
  const horizon = opts.horizon ?? DEFAULT_HORIZON;
  const relative = opts.relative ?? false;
  const out =
    name === 'baseline'
      ? baselineBounds(t.value, r.value, relative, alpha, horizon)
      : controlBounds(t.value, r.value, relative, alpha, horizon);
  return finish(out, method, opts, n);
}

export function finish(
  out: Outcome,
  method: IntervalMethod,
  opts: IntervalOptions,
  n: SampleSizes,
): IntervalResult {
  if ('reason' in out) return { status: 'insufficient', ...out, confidence: opts.confidence, method, n };
  return { status: 'ok', ...out, confidence: opts.confidence, method, n };
}
