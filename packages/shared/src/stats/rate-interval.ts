import type { CohortStats } from './cohort-stats.ts';
import type { Summary } from './cohort-summary.ts';
import {
  checkConfidence,
  type IntervalMethod,
  type IntervalResult,
  type SampleSizes,
} from './interval-result.ts';
import { DEFAULT_HORIZON } from './normal-mixture.ts';
import {
  type Arm,
  baselineBounds,
  type CompareOptions,
  controlBounds,
  finish,
  type IntervalOptions,
  oneSampleBounds,
} from './sequential-interval.ts';

/** The aggregates of a count of events: `rate` per second, and `count` (a counter's `sum` too) over the window. */
export type EventAggregate = 'rate' | 'count' | 'sum';

export interface EventIntervalOptions extends IntervalOptions {
  /** How long the window is: a rate is events per second of it. */
  windowSeconds: number;
}

/**
 * The events a statistic counted, when they are a Poisson count: a counter's increase (requests, errors),
 * a histogram's or a sample's observations, a ratio's denominator. A gauge's moments are not (their count
 * is how often the gauge was read), nor a histogram's sum: those answer null.
 */
export function eventCount(stats: CohortStats, how: EventAggregate): number | null {
  switch (stats.kind) {
    case 'counter':
      return stats.increase;
    case 'histogram':
    case 'exponential':
    case 'samples':
      return how === 'sum' ? null : stats.count;
    case 'ratio':
      return how === 'count' ? stats.denominator : null;
    case 'moments':
      return null;
  }
}

/**
 * N events in T seconds as an arm of the normal mixture: the rate N/T, whose variance λ/T is estimated as
 * (N + 1)/T² (one pseudo-event, so a quiet window does not claim zero variance, as Agresti–Caffo do for
 * proportions). Written per event — n = N + 1 "observations" of variance ((N + 1)/T)² — so the horizon
 * (samples per cohort at which the interval is tightest) counts events, as it counts requests elsewhere.
 */
export function rateArm(events: number, seconds: number): Summary<Arm> {
  if (!(seconds > 0))
    return { ok: false, reason: `a rate needs a window longer than 0 s, got ${seconds}`, n: 0 };
  if (!(events >= 0)) return { ok: false, reason: `a count of events cannot be ${events}`, n: 0 };
  const perEvent = (events + 1) / seconds;
  return { ok: true, value: { n: events + 1, estimate: events / seconds, variance: perEvent ** 2 } };
}

/**
 * One-sample interval for `rate`, `count` (and a counter's `sum`): a confidence sequence for the Poisson
 * rate λ, valid at every evaluation; a count's interval is T times the rate's (the expected number of
 * events in the window).
 */
export function eventInterval(
  stats: CohortStats,
  how: EventAggregate,
  opts: EventIntervalOptions,
): IntervalResult {
  checkConfidence(opts.confidence);
  const method: IntervalMethod =
    how === 'rate' ? 'normal-mixture Poisson rate' : 'normal-mixture Poisson count';
  const events = eventCount(stats, how);
  if (events === null) return notPoisson(stats, how, opts.confidence);
  const arm = rateArm(events, opts.windowSeconds);
  const n: SampleSizes = { treatment: events };
  if (!arm.ok) return finish({ reason: arm.reason, estimate: null }, method, opts, n);
  const out = oneSampleBounds(arm.value, 1 - opts.confidence, opts.horizon ?? DEFAULT_HORIZON);
  // A rate is never negative: the normal boundary's lower edge is clipped at 0.
  const clipped = 'lower' in out ? { ...out, lower: Math.max(0, out.lower) } : out;
  return finish(scaled(clipped, how === 'rate' ? 1 : opts.windowSeconds), method, opts, n);
}

/**
 * Treatment − reference of two Poisson rates (or relative, by the delta method). Each rate is events per
 * second of its own window: the treatment's `windowSeconds`, the reference's `referenceSeconds` (the
 * baseline window, or the previous wave's span; the same window for a control). A control grows alongside,
 * so the difference gets one confidence sequence; a baseline is a fixed sample, so the treatment's sequence
 * at α/2 is combined with a fixed interval at α/2 for the baseline. A `count` (or `sum`) is the rate
 * difference times the treatment's window: the difference in events over that window.
 */
export function eventDifferenceInterval(
  treatment: CohortStats,
  reference: CohortStats,
  how: EventAggregate,
  opts: CompareOptions & { windowSeconds: number; referenceSeconds?: number },
): IntervalResult {
  checkConfidence(opts.confidence);
  const relative = opts.relative ?? false;
  const baseline = opts.reference === 'baseline';
  const methods = {
    control: ['normal-mixture Poisson rate difference', 'normal-mixture relative Poisson rate difference'],
    baseline: [
      'normal-mixture Poisson rate vs fixed baseline',
      'normal-mixture relative Poisson rate vs fixed baseline',
    ],
  } as const;
  const method: IntervalMethod = methods[baseline ? 'baseline' : 'control'][relative ? 1 : 0];
  const t = eventCount(treatment, how);
  const r = eventCount(reference, how);
  if (t === null) return notPoisson(treatment, how, opts.confidence);
  if (r === null) return notPoisson(reference, how, opts.confidence);
  const n: SampleSizes = { treatment: t, control: r };
  const tArm = rateArm(t, opts.windowSeconds);
  const rArm = rateArm(r, opts.referenceSeconds ?? opts.windowSeconds);
  const side = baseline ? 'baseline' : 'control';
  if (!tArm.ok) return finish({ reason: `treatment: ${tArm.reason}`, estimate: null }, method, opts, n);
  if (!rArm.ok) return finish({ reason: `${side}: ${rArm.reason}`, estimate: null }, method, opts, n);
  const alpha = 1 - opts.confidence;
  const horizon = opts.horizon ?? DEFAULT_HORIZON;
  const out = baseline
    ? baselineBounds(tArm.value, rArm.value, relative, alpha, horizon)
    : controlBounds(tArm.value, rArm.value, relative, alpha, horizon);
  return finish(scaled(out, how === 'rate' || relative ? 1 : opts.windowSeconds), method, opts, n);
}

type Outcome = ReturnType<typeof oneSampleBounds>;

function scaled(out: Outcome, factor: number): Outcome {
  if (!('lower' in out)) return out;
  return { estimate: out.estimate * factor, lower: out.lower * factor, upper: out.upper * factor };
}

function notPoisson(stats: CohortStats, how: EventAggregate, confidence: number): IntervalResult {
  return {
    status: 'unsupported',
    reason: `${how} of ${stats.kind} statistics is not a count of events, so it has no confidence interval`,
    confidence,
    method: 'none',
    n: { treatment: 0 },
  };
}
