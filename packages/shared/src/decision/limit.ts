import { type Allowed, allowedForWave, type Check } from '@rollout-guard/shared/spec';
import { type BoundKind, boundOf } from './limit-text.ts';
import type { Interval } from './measurement.ts';

export {
  type AllowedAsWritten,
  allowedAsWritten,
  type BoundKind,
  boundKindsOf,
  boundOf,
  describeAllowed,
  limitAsWritten,
} from './limit-text.ts';

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
