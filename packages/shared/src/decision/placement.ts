import { type Check, minSamplesFor, type Wave } from '@rollout-guard/shared/spec';
import {
  type AppliedLimit,
  appliedLimit,
  type BoundKind,
  describeAllowed,
  type Placement,
  placeInAllowed,
} from './limit.ts';
import type { Interval, Measurement } from './measurement.ts';

/** Whether a measurement can be judged at all, and if so where its quantity lies. */
export type Assessment =
  | {
      readonly kind: 'no-data' | 'insufficient';
      readonly limit: AppliedLimit;
      readonly minSamples: number;
      readonly why: string;
    }
  | {
      readonly kind: 'placed';
      readonly limit: AppliedLimit;
      readonly minSamples: number;
      readonly placement: Placement;
      readonly why: string;
    };

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

export function formatInterval(interval: Interval): string {
  return `[${formatNumber(interval[0])}, ${formatNumber(interval[1])}]`;
}

/**
 * Applies the data-sufficiency rules (no data, `minSamples` per cohort) and places the quantity in the wave's
 * `allowed`: the value itself for absolute checks, the whole difference interval for baseline/control checks.
 */
export function assess(
  rule: Check,
  wave: Pick<Wave, 'percent' | 'minSamples'>,
  measurement: Measurement | undefined,
): Assessment {
  const limit = appliedLimit(rule, wave.percent);
  const minSamples = minSamplesFor(rule, wave);
  const relativeCheck = rule.compare !== 'absolute';
  if (
    measurement === undefined ||
    measurement.treatment.samples <= 0 ||
    measurement.treatment.value === null
  ) {
    return { kind: 'no-data', limit, minSamples, why: 'no treatment data in the window' };
  }
  const reference = measurement.reference;
  if (relativeCheck && (reference === undefined || reference.samples <= 0 || reference.value === null)) {
    return { kind: 'no-data', limit, minSamples, why: `no ${rule.compare} data in the window` };
  }
  const short: string[] = [];
  if (measurement.treatment.samples < minSamples) {
    short.push(`treatment has ${measurement.treatment.samples}`);
  }
  if (relativeCheck && reference !== undefined && reference.samples < minSamples) {
    short.push(`${measurement.referenceKind ?? rule.compare} has ${reference.samples}`);
  }
  if (short.length > 0) {
    return {
      kind: 'insufficient',
      limit,
      minSamples,
      why: `${short.join(' and ')} samples; ${minSamples} per cohort are needed`,
    };
  }

  const treatmentValue = measurement.treatment.value;
  const quantityFor = (kind: BoundKind): Interval | undefined => {
    // A percentage limit on an absolute check has nothing to compare with; spec validation refuses it,
    // and here it stays unplaceable rather than guessing.
    if (!relativeCheck) return kind === 'absolute' ? [treatmentValue, treatmentValue] : undefined;
    return measurement.difference?.[kind]?.interval;
  };
  const placement = placeInAllowed(limit.allowed, quantityFor);
  const shown = relativeCheck
    ? (['absolute', 'relative'] as const)
        .flatMap((kind) => {
          const interval = quantityFor(kind);
          return interval === undefined ? [] : [`${kind} difference ${formatInterval(interval)}`];
        })
        .join(' and ') || 'no difference interval'
    : `value ${formatNumber(treatmentValue)}`;
  const where =
    placement === 'inside'
      ? 'lies inside'
      : placement === 'outside'
        ? 'lies wholly outside'
        : placement === 'straddles'
          ? 'straddles'
          : 'cannot be compared with';
  const notes =
    placement === 'unknown' && measurement.notes?.length ? ` (${measurement.notes.join('; ')})` : '';
  return {
    kind: 'placed',
    limit,
    minSamples,
    placement,
    why: `${shown} ${where} ${describeLimit(limit)}${notes}`,
  };
}

function describeLimit(limit: AppliedLimit): string {
  return `${limit.source} { ${describeAllowed(limit.allowed)} }`;
}
