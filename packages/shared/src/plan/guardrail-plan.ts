import { formatDuration } from '../spec/index.ts';
import type { CheckPlan } from './check-plan.ts';
import { type CheckPlanning, finite, isInside, minutesOf } from './check-planning.ts';
import { formatMinutes } from './checkpoint.ts';
import { designFor, type Levels, type Unplannable } from './interval-design.ts';
import { medianMinutesToBreach } from './time-to-decision.ts';

/** Evaluations happen on fresh data, at least every 5 s: the wait for each further `consecutive` one. */
const EVALUATION_MINUTES = 5 / 60;

/**
 * A guardrail: the breach to plan for (given, or the expected value mirrored across the limit) and the
 * median time until it acts on it. Warns when that comes after the bake ends.
 */
export function planGuardrail(
  planning: CheckPlanning,
  levels: Levels,
): { breach: NonNullable<CheckPlan['breach']>; warnings: string[] } | Unplannable {
  const { check, kind, floor, where } = planning;
  const { wave } = planning.ctx;
  const { referenceValue } = levels;
  const bound = planning.bounds.find((b) => b.side === 'max') ?? planning.bounds[0];
  if (bound === undefined) return { unplanned: 'it has no limit' };
  const warnings: string[] = [];
  const expected = designFor(planning, levels, bound, levels.treatmentValue).theta;
  if (!isInside(bound, expected)) {
    warnings.push(
      `${check.name} in ${where}: the expected value already lies outside its limit, so it would act`,
    );
  }
  const mirror = bound.value + (bound.value - expected);
  const breachValue = planning.assume(
    'breach',
    planning.ctx.expectation?.breach,
    mirror === bound.value ? Number.NaN : mirror,
  );
  if (Number.isNaN(breachValue)) {
    return { unplanned: 'give the breach to detect (breach=…): the expected value sits on the limit' };
  }
  if (isInside(bound, breachValue)) {
    return {
      unplanned: `the breach to detect (${breachValue}) lies inside its limit ${bound.side} ${bound.value}`,
    };
  }
  const treatment =
    check.compare === 'absolute'
      ? breachValue
      : bound.relative
        ? referenceValue * (1 + breachValue)
        : referenceValue + breachValue;
  if (kind === 'proportion' && !(treatment > 0)) return { unplanned: 'the breach makes the ratio 0 or less' };
  const { design } = designFor(planning, levels, bound, treatment);
  const first = Math.max(floor, medianMinutesToBreach(design, Math.abs(breachValue - bound.value)));
  const minutes = first + (check.consecutive - 1) * EVALUATION_MINUTES;
  const breach = {
    value: breachValue,
    minutes: finite(minutes),
    samples: planning.samplesAt(finite(minutes)),
  };
  if (!Number.isFinite(minutes)) {
    warnings.push(`${check.name} can never act on a breach of ${breachValue} in ${where}`);
  } else if (minutes > minutesOf(wave.bake.ms)) {
    warnings.push(
      `${check.name} cannot act on a breach of ${breachValue} before the bake of ${where} ends: it needs about ${formatMinutes(minutes)}, the bake is ${formatDuration(wave.bake.ms)}`,
    );
  }
  return { breach, warnings };
}
