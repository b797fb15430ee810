import { type Allowed, allowedForWave, type Check, isRelative, type Limit } from '@rollout-guard/shared/spec';
import type { Interval } from './measurement.ts';

/** Which difference a bound is compared with: a bare number reads the absolute one, "+5%" the relative one. */
export type BoundKind = 'absolute' | 'relative';

/** A bound in the units it is compared in: relative bounds as fractions ("+5%" is 0.05). */
export function boundOf(limit: Limit): { readonly kind: BoundKind; readonly value: number } {
  return isRelative(limit)
    ? { kind: 'relative', value: limit.relativePercent / 100 }
    : { kind: 'absolute', value: limit };
}

/** A bound as a spec writes it: `0.03`, `"+5%"`, `"-10%"`. */
export function limitAsWritten(limit: Limit): number | string {
  if (!isRelative(limit)) return limit;
  return `${limit.relativePercent < 0 ? '-' : '+'}${Math.abs(limit.relativePercent)}%`;
}

/** `allowed` as a spec writes it: what evidence and webhook bodies show. */
export interface AllowedAsWritten {
  readonly min?: number | string;
  readonly max?: number | string;
}

export function allowedAsWritten(allowed: Allowed): AllowedAsWritten {
  return {
    ...(allowed.min !== undefined && { min: limitAsWritten(allowed.min) }),
    ...(allowed.max !== undefined && { max: limitAsWritten(allowed.max) }),
  };
}

/** Renders a range for messages: `max +5%`, `min -1, max 2`. */
export function describeAllowed(allowed: Allowed): string {
  const parts: string[] = [];
  if (allowed.min !== undefined) parts.push(`min ${limitAsWritten(allowed.min)}`);
  if (allowed.max !== undefined) parts.push(`max ${limitAsWritten(allowed.max)}`);
  return parts.join(', ');
}

/** The `allowed` that applies in a wave and where it came from, so evidence can name the rule applied. */
export interface AppliedLimit {
  readonly allowed: Allowed;
  /** `allowed`, or `allowedByWave.25` when a wave-specific limit overrode some bound. */
  readonly source: string;
}

export function appliedLimit(check: Pick<Check, 'allowed' | 'allowedByWave'>, percent: number): AppliedLimit {
  const overridden = check.allowedByWave[String(percent)] !== undefined;
  return {
    allowed: allowedForWave(check, percent),
    source: overridden ? `allowedByWave.${percent}` : 'allowed',
  };
}

/**
 * Where a quantity lies relative to `allowed`:
 * - `inside`: the whole interval satisfies every bound (bounds are inclusive);
 * - `outside`: the whole interval violates some bound;
 * - `straddles`: neither — the data cannot tell yet;
 * - `unknown`: a bound needs a quantity that was not measured.
 */
export type Placement = 'inside' | 'outside' | 'straddles' | 'unknown';

/** Returns the interval a bound of the given kind is judged on (a point is `[v, v]`), or undefined if unmeasured. */
export type QuantityFor = (kind: BoundKind) => Interval | undefined;

export function placeInAllowed(allowed: Allowed, quantityFor: QuantityFor): Placement {
  const placements: Placement[] = [];
  for (const side of ['max', 'min'] as const) {
    const limit = allowed[side];
    if (limit === undefined) continue;
    const bound = boundOf(limit);
    const interval = quantityFor(bound.kind);
    placements.push(interval === undefined ? 'unknown' : placeBound(side, bound.value, interval));
  }
  if (placements.includes('outside')) return 'outside';
  if (placements.includes('unknown')) return 'unknown';
  if (placements.includes('straddles')) return 'straddles';
  return 'inside';
}

/** Where an interval lies relative to one inclusive bound: above a max or below a min is outside. */
export function placeBound(side: 'min' | 'max', bound: number, interval: Interval): Placement {
  if (side === 'max') return interval[0] > bound ? 'outside' : interval[1] <= bound ? 'inside' : 'straddles';
  return interval[1] < bound ? 'outside' : interval[0] >= bound ? 'inside' : 'straddles';
}

const PERCENT = /%$/;

/** Which differences a range's bounds read, from the range as written: "+5%" → relative, 0.03 → absolute. */
export function boundKindsOf(allowed: AllowedAsWritten): BoundKind[] {
  return [allowed.min, allowed.max].flatMap((bound): BoundKind[] =>
    bound === undefined ? [] : [typeof bound === 'string' && PERCENT.test(bound) ? 'relative' : 'absolute'],
  );
}

/**
 * The differences the evaluator must measure for a baseline/control check in the wave at `percent`:
 * `relative` for percentage bounds, `absolute` for bare numbers. Absolute checks need neither.
 */
export function differencesNeeded(
  check: Pick<Check, 'compare' | 'allowed' | 'allowedByWave'>,
  percent: number,
): BoundKind[] {
  if (check.compare === 'absolute') return [];
  const { allowed } = appliedLimit(check, percent);
  const kinds = [allowed.min, allowed.max].flatMap((limit) =>
    limit === undefined ? [] : [boundOf(limit).kind],
  );
  return [...new Set(kinds)];
}
