import { z } from 'zod';

/** A bound of `allowed`: an absolute number, or a difference relative to the reference in percent. */
export type Limit = number | { readonly relativePercent: number };

/** The range the compared quantity must stay in; at least one bound is present. */
export interface Allowed {
  readonly min?: Limit;
  readonly max?: Limit;
}

export const PERCENT_PATTERN = /^[+-]\d+(\.\d+)?%$/;

export const LIMIT_HINT = 'expected a number or a percentage like "+5%"';

export const limitInput = z
  .union([z.number(), z.string().regex(PERCENT_PATTERN, { error: LIMIT_HINT })], { error: LIMIT_HINT })
  .meta({
    description:
      'A number (absolute, or an absolute difference for baseline/control) or a signed percentage relative to the reference, like "+5%" or "-10%".',
  });

export const allowedInput = z
  .strictObject(
    {
      min: limitInput.optional(),
      max: limitInput.optional(),
    },
    { error: 'expected the range the value must stay in, like { max: 0.05 } or { min: "-1%", max: "+5%" }' },
  )
  .refine((allowed) => allowed.min !== undefined || allowed.max !== undefined, {
    error: 'expected at least one bound: { min: … } and/or { max: … }',
  })
  // minProperties carries the refine above into the JSON Schema, which cannot see refinements.
  .meta({ description: 'The range the compared quantity must stay in: min and/or max.', minProperties: 1 });

export type AllowedInput = z.input<typeof allowedInput>;

/** Parses one bound as written: `0.03` → 0.03, `"+5%"` → { relativePercent: 5 }. */
export function parseLimit(value: number | string): Limit {
  if (typeof value === 'number') return value;
  return { relativePercent: Number(value.slice(0, -1)) };
}

export function isRelative(limit: Limit): limit is { readonly relativePercent: number } {
  return typeof limit !== 'number';
}

export function parseAllowed(input: AllowedInput): Allowed {
  return {
    ...(input.min !== undefined && { min: parseLimit(input.min) }),
    ...(input.max !== undefined && { max: parseLimit(input.max) }),
  };
}
