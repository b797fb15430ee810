import { type Allowed, type AllowedText, isRelative, type Limit } from '../spec/limit-value.ts';

/**
 * Bounds in the units they are compared in, and as a spec writes them. No imports beyond the bound
 * values: the dashboard bundles this for the browser (`@rollout-guard/shared/display`).
 */

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

const PERCENT = /%$/;

/** Which differences a range's bounds read, from the range as written: "+5%" → relative, 0.03 → absolute. */
export function boundKindsOf(allowed: AllowedText): BoundKind[] {
  return [allowed.min, allowed.max].flatMap((bound): BoundKind[] =>
    bound === undefined ? [] : [typeof bound === 'string' && PERCENT.test(bound) ? 'relative' : 'absolute'],
  );
}
