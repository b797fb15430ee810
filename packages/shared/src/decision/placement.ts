import {
  type Allowed,
  type Check,
  judgedByValueBecause,
  type Limit,
  minSamplesFor,
  type Wave,
} from '@rollout-guard/shared/spec';
import { describeWidest } from './distribution-text.ts';
import {
  type AppliedLimit,
  appliedLimit,
  type BoundKind,
  boundOf,
  describeAllowed,
  limitAsWritten,
  type Placement,
  placeBound,
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
      /** `value` when some bound was compared with a value rather than an interval. */
      readonly judgedBy: JudgedBy;
      readonly why: string;
    };

/** What a check's placement was decided on: its always-valid interval, or its value (PRODUCT.md §1). */
export type JudgedBy = 'interval' | 'value';

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

export function formatInterval(interval: Interval): string {
  return `[${formatNumber(interval[0])}, ${formatNumber(interval[1])}]`;
}

/**
 * Applies the data-sufficiency rules (no data, `minSamples` per cohort) and places the quantity in the wave's
 * `allowed`: the always-valid interval of the value (absolute checks) or of the difference (baseline/control),
 * whatever the compare; the value itself when the check declares `judge: value` or its aggregate has no interval.
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

  const quantityFor = (kind: BoundKind): Quantity | undefined =>
    quantityOf(rule, measurement, kind, relativeCheck);
  const placement = placeInAllowed(limit.allowed, (kind) => quantityFor(kind)?.interval);
  return {
    kind: 'placed',
    limit,
    minSamples,
    placement,
    judgedBy: placedJudgedBy(limit, quantityFor),
    // Words only when someone reads them: simulations judge millions of evaluations and read none.
    get why() {
      const notes = measurement.notes?.length ? ` (${measurement.notes.join('; ')})` : '';
      if (placement === 'unknown') {
        return `no ${relativeCheck ? 'difference' : 'value'} to compare with ${describeLimit(limit)}${notes}`;
      }
      const sentence = explainPlacement(
        limit,
        placement,
        quantityFor,
        relativeCheck,
        rule.distribution !== undefined,
      );
      const comparison = measurement.distribution;
      return comparison === undefined
        ? sentence
        : `${sentence}; ${describeWidest(comparison, measurement.referenceKind ?? rule.compare)}`;
    },
  };
}

/** What a bound is compared with: the interval, or the value itself (`byValue` says why). */
interface Quantity {
  readonly interval: Interval;
  /** Set when judged by value: `judge: value`, or why the aggregate has no interval. */
  readonly byValue?: string;
}

const DECLARED = 'judge: value';

function quantityOf(
  rule: Check,
  measurement: Measurement,
  kind: BoundKind,
  relativeCheck: boolean,
): Quantity | undefined {
  const byValue = rule.judge === 'value' ? DECLARED : undefined;
  if (!relativeCheck) {
    // A percentage limit on an absolute check has nothing to compare with; spec validation refuses it,
    // and here it stays unplaceable rather than guessing.
    if (kind !== 'absolute') return undefined;
    const { value, interval, noInterval } = measurement.treatment;
    if (value === null) return undefined;
    if (byValue === undefined && interval !== undefined) return { interval };
    return { interval: [value, value], byValue: byValue ?? noInterval ?? 'no interval was measured' };
  }
  const difference = measurement.difference?.[kind];
  if (difference === undefined) return undefined;
  const reason = byValue ?? difference.noInterval;
  if (reason === undefined) return { interval: difference.interval };
  return { interval: [difference.estimate, difference.estimate], byValue: reason };
}

function placedJudgedBy(
  limit: AppliedLimit,
  quantityFor: (kind: BoundKind) => Quantity | undefined,
): JudgedBy {
  return boundsOf(limit.allowed).some(({ bound }) => quantityFor(boundOf(bound).kind)?.byValue !== undefined)
    ? 'value'
    : 'interval';
}

type Side = 'min' | 'max';

function boundsOf(allowed: Allowed): { side: Side; bound: Limit }[] {
  return (['min', 'max'] as const).flatMap((side) => {
    const bound = allowed[side];
    return bound === undefined ? [] : [{ side, bound }];
  });
}

/**
 * The rule that fired, with its numbers: "the whole interval [0.031, 0.042] lies above max 0.03",
 * "the value 0.0336 lies above max 0.03 (judged by value)". Only the bounds that decided the placement are
 * named: the one crossed when outside, the ones straddled when undecided, all of them when inside.
 */
function explainPlacement(
  limit: AppliedLimit,
  placement: Placement,
  quantityFor: (kind: BoundKind) => Quantity | undefined,
  relativeCheck: boolean,
  distribution: boolean,
): string {
  const clauses = new Map<BoundKind, { quantity: Quantity; sides: { side: Side; bound: Limit }[] }>();
  for (const { side, bound } of boundsOf(limit.allowed)) {
    const { kind, value } = boundOf(bound);
    const quantity = quantityFor(kind);
    if (quantity === undefined || placeBound(side, value, quantity.interval) !== placement) continue;
    const clause = clauses.get(kind) ?? { quantity, sides: [] };
    clause.sides.push({ side, bound });
    clauses.set(kind, clause);
  }
  const source = limit.source === 'allowed' ? '' : ` of ${limit.source}`;
  const sentences = [...clauses].map(([kind, { quantity, sides }]) => {
    const subject = subjectOf(quantity, kind, placement, relativeCheck, distribution);
    // A distribution check's only bound is its tolerance on the distance.
    const bounds = sides.map(
      ({ side, bound }) => `${distribution ? 'tolerance' : side} ${limitAsWritten(bound)}`,
    );
    const verb =
      placement === 'straddles'
        ? `straddles ${bounds.join(' and ')}`
        : placement === 'outside'
          ? `lies ${sides[0]?.side === 'max' ? 'above' : 'below'} ${bounds[0]}`
          : sides.length > 1
            ? `lies inside ${bounds.join(', ')}`
            : `lies ${sides[0]?.side === 'max' ? 'at or below' : 'at or above'} ${bounds[0]}`;
    const byValue =
      quantity.byValue === undefined
        ? ''
        : quantity.byValue === DECLARED
          ? ' (judged by value)'
          : ` (judged by value: ${quantity.byValue})`;
    return `${subject} ${verb}${source}${byValue}`;
  });
  return sentences.join('; ');
}

function subjectOf(
  quantity: Quantity,
  kind: BoundKind,
  placement: Placement,
  relativeCheck: boolean,
  distribution: boolean,
): string {
  const what = distribution
    ? 'distance '
    : !relativeCheck
      ? ''
      : kind === 'relative'
        ? 'relative difference '
        : 'difference ';
  if (quantity.byValue !== undefined) {
    return `the ${what || 'value '}${formatNumber(quantity.interval[0])}`;
  }
  return `the ${placement === 'straddles' ? '' : 'whole '}${what}interval ${formatInterval(quantity.interval)}`;
}

/**
 * How a check will be judged, from its spec alone (for the rule text when nothing was measured): by value
 * when it says `judge: value`, reads PromQL, or takes `min`, `max` or `last`; otherwise by its interval. The
 * measurement has the last word: an aggregate can lack an interval only for some data (`rate` of a gauge).
 */
export function declaredJudgedBy(rule: Pick<Check, 'judge' | 'metric' | 'aggregate'>): JudgedBy {
  return judgedByValueBecause(rule) === undefined ? 'interval' : 'value';
}

/** The quantity a rule compares, in words: "the whole interval", "the difference" … */
export function quantityWords(relativeCheck: boolean, judgedBy: JudgedBy, distribution = false): string {
  if (distribution) return judgedBy === 'value' ? 'the distance' : 'the whole distance interval';
  if (judgedBy === 'value') return relativeCheck ? 'the difference' : 'the value';
  return relativeCheck ? 'the whole difference interval' : 'the whole interval';
}

function describeLimit(limit: AppliedLimit): string {
  return `${limit.source} { ${describeAllowed(limit.allowed)} }`;
}
