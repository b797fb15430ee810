import type { Check, Limit } from '../spec/index.ts';
import { allowedForWave, minSamplesFor } from '../spec/index.ts';
import type { Assumed, CheckPlan, PlanContext, Samples } from './check-plan.ts';
import type { IntervalDesign } from './time-to-decision.ts';

type MetricKind = 'proportion' | 'mean' | 'quantile' | 'distribution' | 'value';

interface Reference {
  readonly label: CheckPlan['reference'];
  readonly design: IntervalDesign['reference'] | null;
  readonly perMinute: number | null;
  readonly samples: number | null;
}

export interface Bound {
  readonly side: 'min' | 'max';
  readonly relative: boolean;
  readonly value: number;
}

/**
 * What every branch of planning one check in one wave shares: the numbers it rests on, its reference,
 * the least time before any verdict, the samples by a given time, and its limits in this wave.
 */
export interface CheckPlanning {
  readonly ctx: PlanContext;
  readonly check: Check;
  readonly kind: MetricKind;
  /** The wave as a warning names it. */
  readonly where: string;
  /** Filled as the plan assumes each number; shared with the plan it returns. */
  readonly assumptions: Record<string, Assumed>;
  /** Records `value`, or `fallback` when none was given, under `name` in `assumptions`. */
  readonly assume: (name: string, value: number | undefined, fallback: number) => number;
  readonly treatmentPerMinute: number;
  readonly reference: Reference;
  readonly minSamples: number;
  /** Minutes until every cohort the check uses holds minSamples; Infinity when a fixed reference never does. */
  readonly floor: number;
  readonly samplesAt: (minutes: number | null) => Samples | null;
  readonly bounds: readonly Bound[];
  /** Whether any limit is relative to the reference. */
  readonly relative: boolean;
}

export const minutesOf = (ms: number) => ms / 60_000;

export const finite = (minutes: number) => (Number.isFinite(minutes) ? minutes : null);

export const isInside = (bound: Bound, theta: number) =>
  bound.side === 'max' ? theta < bound.value : theta > bound.value;

export function startPlanning(ctx: PlanContext, check: Check): CheckPlanning {
  const { wave, traffic } = ctx;
  const assumptions: Record<string, Assumed> = {};
  const assume = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback;
    assumptions[name] = { value: v, source: value === undefined ? 'default' : 'given' };
    return v;
  };
  const samplesPerRequest = assume('samplesPerRequest', ctx.expectation?.samplesPerRequest, 1);
  const treatmentPerMinute = (traffic * wave.percent * samplesPerRequest) / 100;
  const reference = referenceOf(ctx, check, samplesPerRequest);
  const minSamples = minSamplesFor(check, wave);
  // A fixed reference never grows.
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
  const bounds = boundsOf(check, wave.percent);
  return {
    ctx,
    check,
    kind: metricKind(check),
    where: `wave ${wave.index + 1} (${wave.percent}%)`,
    assumptions,
    assume,
    treatmentPerMinute,
    reference,
    minSamples,
    floor,
    samplesAt,
    bounds,
    relative: bounds.some((b) => b.relative),
  };
}

function metricKind(check: Check): MetricKind {
  // `judge: value` gives up the interval: a verdict as soon as there is enough data, noisy near the limit.
  if (check.metric.kind === 'promql' || check.judge === 'value') return 'value';
  if (check.metric.kind === 'ratio') return 'proportion';
  if (check.quantile !== undefined) return 'quantile';
  if (check.distribution !== undefined) return 'distribution';
  return check.aggregate === 'mean' ? 'mean' : 'value';
}

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
