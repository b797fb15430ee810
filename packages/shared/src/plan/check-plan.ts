import type { Check, Compare, Limit, RolloutSpec, Wave } from '../spec/index.ts';
import { allowedForWave, formatDuration, minSamplesFor } from '../spec/index.ts';
import type { CheckExpectation } from './assumptions.ts';
import {
  type IntervalDesign,
  medianMinutesToBreach,
  minutesToConclusive,
  radiusFloor,
} from './time-to-decision.ts';

/** How the planner can treat a check: by its always-valid interval, by its value, or not at all. */
export type PlanMethod = 'interval' | 'value' | 'unplanned';

export interface Assumed {
  readonly value: number;
  readonly source: 'given' | 'default';
}

export interface Samples {
  readonly treatment: number;
  readonly reference: number | null;
}

/** When a verdict or an action is expected; `minutes` null when it never comes. */
export interface Timing {
  readonly minutes: number | null;
  /** Samples per cohort by then (the reference's own, fixed, for a baseline). */
  readonly samples: Samples | null;
}

export interface CheckPlan {
  readonly check: string;
  readonly role: 'guardrail' | 'criterion';
  readonly compare: Compare;
  readonly shadow: boolean;
  readonly method: PlanMethod;
  /** Why a check is judged by value, or why it cannot be planned. */
  readonly note: string | null;
  /** What the plan rests on, each number given or assumed. */
  readonly assumptions: Readonly<Record<string, Assumed>>;
  readonly reference: 'none' | 'control' | 'baseline' | 'previous wave control';
  readonly perMinute: { readonly treatment: number; readonly reference: number | null };
  /** Success criteria: the expected verdict, and when a checkpoint finds it in half the runs (and in 90%). */
  readonly verdict:
    | (Timing & {
        readonly expected: 'pass' | 'fail';
        readonly minutes90: number | null;
        /** Which checkpoint of the wave first sees it: `bake`, `extension 1`, … or `never`. */
        readonly checkpoint: string;
      })
    | null;
  /** Guardrails: the breach planned for, and the median time until it acts. */
  readonly breach: (Timing & { readonly value: number | null }) | null;
  readonly warnings: readonly string[];
}

export interface PlanContext {
  readonly spec: RolloutSpec;
  readonly wave: Wave;
  /** Requests per minute across the whole population. */
  readonly traffic: number;
  readonly expectation: CheckExpectation | undefined;
}

/** Evaluations happen on fresh data, at least every 5 s: the wait for each further `consecutive` one. */
const EVALUATION_MINUTES = 5 / 60;

type MetricKind = 'proportion' | 'mean' | 'quantile' | 'distribution' | 'value';

function metricKind(check: Check): MetricKind {
  // `judge: value` gives up the interval: a verdict as soon as there is enough data, noisy near the limit.
  if (check.metric.kind === 'promql' || check.judge === 'value') return 'value';
  if (check.metric.kind === 'ratio') return 'proportion';
  if (check.quantile !== undefined) return 'quantile';
  if (check.distribution !== undefined) return 'distribution';
  return check.aggregate === 'mean' ? 'mean' : 'value';
}

interface Reference {
  readonly label: CheckPlan['reference'];
  readonly design: IntervalDesign['reference'] | null;
  readonly perMinute: number | null;
  readonly samples: number | null;
}

const minutesOf = (ms: number) => ms / 60_000;

function referenceOf(ctx: PlanContext, check: Check, samplesPerRequest: number): Reference {
  const { spec, wave, traffic } = ctx;
  const baselineMinutes = spec.spec.baseline ? minutesOf(spec.spec.baseline.window.ms) : null;
  const fixed = (label: Reference['label'], samples: number): Reference => ({
    label,
    design: { kind: 'fixed', variance: 0, samples },
    perMinute: null,
    samples,
  });
  if (check.compare === 'absolute')
    return { label: 'none', design: { kind: 'none' }, perMinute: null, samples: null };
  if (check.compare === 'baseline') {
    return baselineMinutes === null
      ? { label: 'baseline', design: null, perMinute: null, samples: null }
      : fixed('baseline', traffic * samplesPerRequest * baselineMinutes);
  }
  if (wave.percent < 100) {
    const perMinute = (traffic * (100 - wave.percent) * samplesPerRequest) / 100;
    return {
      label: 'control',
      design: { kind: 'control', variance: 0, perMinute },
      perMinute,
      samples: null,
    };
  }
  if (baselineMinutes !== null) return fixed('baseline', traffic * samplesPerRequest * baselineMinutes);
  const previous = spec.spec.waves[wave.index - 1];
  if (previous === undefined) return { label: 'control', design: null, perMinute: null, samples: null };
  return fixed(
    'previous wave control',
    (traffic * (100 - previous.percent) * samplesPerRequest * minutesOf(previous.bake.ms)) / 100,
  );
}

/** The default expected value of an absolute check: two thirds of the way from 0 to its limit. */
function defaultAbsoluteValue(min: number | undefined, max: number | undefined): number | null {
  if (max !== undefined && min !== undefined) return (min + max) / 2;
  if (max !== undefined) return (2 * max) / 3;
  if (min !== undefined) return min > 0 ? 1.5 * min : min < 0 ? (2 * min) / 3 : null;
  return null;
}

interface Bound {
  readonly side: 'min' | 'max';
  readonly relative: boolean;
  readonly value: number;
}

function boundsOf(check: Check, percent: number): Bound[] {
  const allowed = allowedForWave(check, percent);
  const bound = (side: 'min' | 'max', limit: Limit | undefined): Bound[] =>
    limit === undefined
      ? []
      : [
          typeof limit === 'number'
            ? { side, relative: false, value: limit }
            : { side, relative: true, value: limit.relativePercent / 100 },
        ];
  return [...bound('min', allowed.min), ...bound('max', allowed.max)];
}

const isInside = (bound: Bound, theta: number) =>
  bound.side === 'max' ? theta < bound.value : theta > bound.value;

/**
 * One check in one wave: how long its always-valid interval needs, at the wave's traffic, to reach a
 * conclusive verdict (success criteria) or to act on a breach of a given size (guardrails). Every check is
 * planned as "its interval against the allowed range", whatever its compare.
 */
export function planCheck(ctx: PlanContext, check: Check): CheckPlan {
  const { wave, traffic } = ctx;
  const given = ctx.expectation;
  const assumptions: Record<string, Assumed> = {};
  const assume = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback;
    assumptions[name] = { value: v, source: value === undefined ? 'default' : 'given' };
    return v;
  };
  const samplesPerRequest = assume('samplesPerRequest', given?.samplesPerRequest, 1);
  const treatmentPerMinute = (traffic * wave.percent * samplesPerRequest) / 100;
  const reference = referenceOf(ctx, check, samplesPerRequest);
  const minSamples = minSamplesFor(check, wave);
  const kind = metricKind(check);
  const where = `wave ${wave.index + 1} (${wave.percent}%)`;
  const base = {
    check: check.name,
    role: check.kind === 'guardrail' ? ('guardrail' as const) : ('criterion' as const),
    compare: check.compare,
    shadow: check.mode === 'shadow',
    reference: reference.label,
    perMinute: { treatment: treatmentPerMinute, reference: reference.perMinute },
  };
  const warnings: string[] = [];
  const unplanned = (note: string): CheckPlan => ({
    ...base,
    method: 'unplanned',
    note,
    assumptions,
    verdict: null,
    breach: null,
    // Said once for the whole plan (planRollout), not once per wave.
    warnings: [],
  });

  if (reference.design === null) {
    return unplanned(`it has no ${reference.label} to compare with in this wave`);
  }
  if (kind === 'quantile') {
    return unplanned(
      'a quantile’s interval depends on the shape of the distribution and on its histogram buckets; a backtest on recorded data answers this',
    );
  }
  if (kind === 'distribution') {
    return unplanned(
      'a distribution check’s time to act depends on where the two distributions differ and on the boundaries; a backtest on recorded data answers this',
    );
  }

  // Minutes until every cohort the check uses holds minSamples; a fixed reference never grows.
  let floor = minSamples / treatmentPerMinute;
  if (reference.perMinute !== null) floor = Math.max(floor, minSamples / reference.perMinute);
  if (reference.samples !== null && reference.samples < minSamples) floor = Number.POSITIVE_INFINITY;
  const samplesAt = (minutes: number | null): Samples | null =>
    minutes === null
      ? null
      : {
          treatment: Math.ceil(treatmentPerMinute * minutes),
          reference:
            reference.samples !== null
              ? Math.floor(reference.samples)
              : reference.perMinute === null
                ? null
                : Math.ceil(reference.perMinute * minutes),
        };
  const finite = (minutes: number) => (Number.isFinite(minutes) ? minutes : null);

  if (kind === 'value') {
    const minutes = finite(floor);
    const note =
      'judged by its value (no sampling interval): a verdict as soon as every cohort has minSamples, and a value near its limit flips with noise';
    return {
      ...base,
      method: 'value',
      note,
      assumptions,
      verdict:
        check.kind === 'successCriterion'
          ? {
              expected: 'pass',
              minutes,
              minutes90: minutes,
              samples: samplesAt(minutes),
              checkpoint: checkpointOf(wave, floor),
            }
          : null,
      breach: check.kind === 'guardrail' ? { value: null, minutes, samples: samplesAt(minutes) } : null,
      warnings,
    };
  }

  const bounds = boundsOf(check, wave.percent);
  const relative = bounds.some((b) => b.relative);
  const absoluteBounds = bounds.filter((b) => !b.relative);
  const perObservation = (value: number, sd: number | undefined): number =>
    kind === 'proportion' ? (value >= 1 ? value : value * (1 - value)) : (sd ?? Math.abs(value)) ** 2;

  // The reference's level, and the treatment's under an effect in the units of the limit.
  let referenceValue = 0;
  let treatmentValue: number;
  if (check.compare === 'absolute') {
    const fallback = defaultAbsoluteValue(
      absoluteBounds.find((b) => b.side === 'min')?.value,
      absoluteBounds.find((b) => b.side === 'max')?.value,
    );
    if (given?.value === undefined && fallback === null) {
      return unplanned('give its expected value (value=…): no default fits a limit of 0');
    }
    treatmentValue = assume('value', given?.value, fallback ?? 0);
  } else {
    referenceValue = assume('value', given?.value, kind === 'proportion' ? 0.01 : 1);
    const effect = assume('effect', given?.effect, 0);
    treatmentValue = relative ? referenceValue * (1 + effect) : referenceValue + effect;
  }
  if (kind === 'proportion' && !(treatmentValue > 0 && referenceValue >= 0)) {
    return unplanned('a ratio’s expected value must be greater than 0 (value=…)');
  }
  if (kind === 'mean' && given?.sd === undefined && check.compare !== 'absolute' && !relative) {
    return unplanned(
      'give the spread of one observation (sd=…): a mean compared by an absolute difference needs it',
    );
  }
  const sd =
    kind === 'mean'
      ? assume('sd', given?.sd, Math.abs(check.compare === 'absolute' ? treatmentValue : referenceValue))
      : undefined;
  if (kind === 'mean' && !(sd !== undefined && sd > 0))
    return unplanned('give a spread greater than 0 (sd=…)');

  /** The interval design and the compared quantity for one bound, with the treatment at `t`. */
  const designFor = (bound: Bound, t: number): { design: IntervalDesign; theta: number } => {
    const at = perObservation(t, sd);
    const ac = perObservation(referenceValue, sd);
    const scale = bound.relative ? referenceValue : 1;
    const ratio = bound.relative ? t / referenceValue : 1;
    const ref = reference.design;
    const refDesign: IntervalDesign['reference'] =
      ref === null || ref.kind === 'none'
        ? { kind: 'none' }
        : ref.kind === 'control'
          ? { kind: 'control', variance: (ratio ** 2 * ac) / scale ** 2, perMinute: ref.perMinute }
          : { kind: 'fixed', variance: (ratio ** 2 * ac) / scale ** 2, samples: ref.samples };
    const theta =
      check.compare === 'absolute' ? t : bound.relative ? t / referenceValue - 1 : t - referenceValue;
    return {
      design: {
        treatmentVariance: at / scale ** 2,
        treatmentPerMinute,
        reference: refDesign,
        confidence: check.confidence,
      },
      theta,
    };
  };
  if (relative && referenceValue === 0)
    return unplanned('a relative limit needs a reference value other than 0');

  let verdict: CheckPlan['verdict'] = null;
  let breach: CheckPlan['breach'] = null;
  if (check.kind === 'successCriterion') {
    const judged = bounds.map((bound) => {
      const { design, theta } = designFor(bound, treatmentValue);
      const distance = Math.abs(theta - bound.value);
      return {
        inside: isInside(bound, theta),
        median: Math.max(floor, minutesToConclusive(design, distance)),
        ninety: Math.max(floor, minutesToConclusive(design, distance, 0.9)),
        floor: radiusFloor(design),
        distance,
      };
    });
    const outside = judged.filter((j) => !j.inside);
    const expected = outside.length === 0 ? 'pass' : 'fail';
    const pick = (key: 'median' | 'ninety') =>
      expected === 'pass' ? Math.max(...judged.map((j) => j[key])) : Math.min(...outside.map((j) => j[key]));
    const median = pick('median');
    verdict = {
      expected,
      minutes: finite(median),
      minutes90: finite(pick('ninety')),
      samples: samplesAt(finite(median)),
      checkpoint: checkpointOf(wave, median),
    };
    if (!Number.isFinite(median)) {
      const why = judged.some((j) => j.distance === 0)
        ? 'its expected value sits on its limit'
        : judged.some((j) => j.floor >= j.distance)
          ? `its ${reference.label}'s own uncertainty keeps the interval wider than the margin to its limit`
          : reference.samples !== null && reference.samples < minSamples
            ? `its ${reference.label} holds only ${Math.floor(reference.samples)} samples, under minSamples ${minSamples}`
            : 'its interval never narrows enough';
      warnings.push(
        `${check.name} can never be conclusive in ${where}: ${why}; the wave ends in no-go after ${formatDuration(wave.maxBake.ms)}`,
      );
    } else if (median > minutesOf(wave.maxBake.ms)) {
      warnings.push(
        `${check.name} needs about ${formatMinutes(median)} to be conclusive in ${where}, longer than its longest bake ${formatDuration(wave.maxBake.ms)}: the wave ends in no-go`,
      );
    }
  } else {
    const bound = bounds.find((b) => b.side === 'max') ?? bounds[0];
    if (bound === undefined) return unplanned('it has no limit');
    const expected = designFor(bound, treatmentValue).theta;
    if (!isInside(bound, expected)) {
      warnings.push(
        `${check.name} in ${where}: the expected value already lies outside its limit, so it would act`,
      );
    }
    const mirror = bound.value + (bound.value - expected);
    const breachValue = assume('breach', given?.breach, mirror === bound.value ? Number.NaN : mirror);
    if (Number.isNaN(breachValue)) {
      return unplanned('give the breach to detect (breach=…): the expected value sits on the limit');
    }
    if (isInside(bound, breachValue)) {
      return unplanned(
        `the breach to detect (${breachValue}) lies inside its limit ${bound.side} ${bound.value}`,
      );
    }
    const t =
      check.compare === 'absolute'
        ? breachValue
        : bound.relative
          ? referenceValue * (1 + breachValue)
          : referenceValue + breachValue;
    if (kind === 'proportion' && !(t > 0)) return unplanned('the breach makes the ratio 0 or less');
    const { design } = designFor(bound, t);
    const first = Math.max(floor, medianMinutesToBreach(design, Math.abs(breachValue - bound.value)));
    const minutes = first + (check.consecutive - 1) * EVALUATION_MINUTES;
    breach = { value: breachValue, minutes: finite(minutes), samples: samplesAt(finite(minutes)) };
    if (!Number.isFinite(minutes)) {
      warnings.push(`${check.name} can never act on a breach of ${breachValue} in ${where}`);
    } else if (minutes > minutesOf(wave.bake.ms)) {
      warnings.push(
        `${check.name} cannot act on a breach of ${breachValue} before the bake of ${where} ends: it needs about ${formatMinutes(minutes)}, the bake is ${formatDuration(wave.bake.ms)}`,
      );
    }
  }
  return { ...base, method: 'interval', note: null, assumptions, verdict, breach, warnings };
}

/** The checkpoint of the wave that first comes after `minutes`: the bake, an extension, or never. */
export function checkpointOf(wave: Wave, minutes: number): string {
  let at = minutesOf(wave.bake.ms);
  const max = minutesOf(wave.maxBake.ms);
  const extend = minutesOf(wave.extend.ms);
  if (minutes <= at) return 'bake';
  for (let n = 1; at < max && extend > 0; n++) {
    at = Math.min(at + extend, max);
    if (minutes <= at) return `extension ${n}`;
  }
  return 'never';
}

export function formatMinutes(minutes: number): string {
  if (minutes < 1) return `${Math.max(1, Math.round(minutes * 60))}s`;
  if (minutes < 120) return `${Math.round(minutes * 10) / 10}m`;
  if (minutes < 48 * 60) return `${Math.round((minutes / 60) * 10) / 10}h`;
  return `${Math.round((minutes / 1440) * 10) / 10}d`;
}
