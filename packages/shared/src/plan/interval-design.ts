import type { Bound, CheckPlanning } from './check-planning.ts';
import type { IntervalDesign } from './time-to-decision.ts';

/** The levels a check is planned at: the reference's, the treatment's, and one observation's spread. */
export interface Levels {
  readonly referenceValue: number;
  readonly treatmentValue: number;
  /** Means only. */
  readonly sd: number | undefined;
}

/** Why a check cannot be planned: what is missing or out of range in what it was told. */
export interface Unplannable {
  readonly unplanned: string;
}

/**
 * The reference's level, and the treatment's under an effect in the units of the limit, each given or
 * assumed — or why no level fits.
 */
export function levelsOf(planning: CheckPlanning): Levels | Unplannable {
  const { check, kind, assume, relative } = planning;
  const given = planning.ctx.expectation;
  let referenceValue = 0;
  let treatmentValue: number;
  if (check.compare === 'absolute') {
    const absoluteBounds = planning.bounds.filter((b) => !b.relative);
    const fallback = defaultAbsoluteValue(
      absoluteBounds.find((b) => b.side === 'min')?.value,
      absoluteBounds.find((b) => b.side === 'max')?.value,
    );
    if (given?.value === undefined && fallback === null) {
      return { unplanned: 'give its expected value (value=…): no default fits a limit of 0' };
    }
    treatmentValue = assume('value', given?.value, fallback ?? 0);
  } else {
    referenceValue = assume('value', given?.value, kind === 'proportion' ? 0.01 : 1);
    const effect = assume('effect', given?.effect, 0);
    treatmentValue = relative ? referenceValue * (1 + effect) : referenceValue + effect;
  }
  if (kind === 'proportion' && !(treatmentValue > 0 && referenceValue >= 0)) {
    return { unplanned: 'a ratio’s expected value must be greater than 0 (value=…)' };
  }
  if (kind === 'mean' && given?.sd === undefined && check.compare !== 'absolute' && !relative) {
    return {
      unplanned:
        'give the spread of one observation (sd=…): a mean compared by an absolute difference needs it',
    };
  }
  const sd =
    kind === 'mean'
      ? assume('sd', given?.sd, Math.abs(check.compare === 'absolute' ? treatmentValue : referenceValue))
      : undefined;
  if (kind === 'mean' && !(sd !== undefined && sd > 0)) {
    return { unplanned: 'give a spread greater than 0 (sd=…)' };
  }
  if (relative && referenceValue === 0) {
    return { unplanned: 'a relative limit needs a reference value other than 0' };
  }
  return { referenceValue, treatmentValue, sd };
}

/** The default expected value of an absolute check: two thirds of the way from 0 to its limit. */
function defaultAbsoluteValue(min: number | undefined, max: number | undefined): number | null {
  if (max !== undefined && min !== undefined) return (min + max) / 2;
  if (max !== undefined) return (2 * max) / 3;
  if (min !== undefined) return min > 0 ? 1.5 * min : min < 0 ? (2 * min) / 3 : null;
  return null;
}

/** The interval design and the compared quantity for one bound, with the treatment at `treatment`. */
export function designFor(
  planning: CheckPlanning,
  levels: Levels,
  bound: Bound,
  treatment: number,
): { design: IntervalDesign; theta: number } {
  const { check, kind } = planning;
  const { referenceValue, sd } = levels;
  const perObservation = (value: number): number =>
    kind === 'proportion' ? (value >= 1 ? value : value * (1 - value)) : (sd ?? Math.abs(value)) ** 2;
  const at = perObservation(treatment);
  const ac = perObservation(referenceValue);
  const scale = bound.relative ? referenceValue : 1;
  const ratio = bound.relative ? treatment / referenceValue : 1;
  const ref = planning.reference.design;
  const refDesign: IntervalDesign['reference'] =
    ref === null || ref.kind === 'none'
      ? { kind: 'none' }
      : ref.kind === 'control'
        ? { kind: 'control', variance: (ratio ** 2 * ac) / scale ** 2, perMinute: ref.perMinute }
        : { kind: 'fixed', variance: (ratio ** 2 * ac) / scale ** 2, samples: ref.samples };
  const theta =
    check.compare === 'absolute'
      ? treatment
      : bound.relative
        ? treatment / referenceValue - 1
        : treatment - referenceValue;
  return {
    design: {
      treatmentVariance: at / scale ** 2,
      treatmentPerMinute: planning.treatmentPerMinute,
      reference: refDesign,
      confidence: check.confidence,
    },
    theta,
  };
}
