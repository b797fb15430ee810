/**
 * Bounds of `allowed` as values, without their zod schemas: the dashboard bundles this for the browser
 * (through `@rollout-guard/shared/display`), so it imports nothing.
 */

/** A bound of `allowed`: an absolute number, or a difference relative to the reference in percent. */
export type Limit = number | { readonly relativePercent: number };

/** The range the compared quantity must stay in; at least one bound is present. */
export interface Allowed {
  readonly min?: Limit;
  readonly max?: Limit;
}

/** A range as a spec (or the API) writes it: `{ max: 0.03 }`, `{ min: "-1%", max: "+5%" }`. */
export interface AllowedText {
  readonly min?: number | string | undefined;
  readonly max?: number | string | undefined;
}

export const PERCENT_PATTERN = /^[+-]\d+(\.\d+)?%$/;

/** Parses one bound as written: `0.03` → 0.03, `"+5%"` → { relativePercent: 5 }. */
export function parseLimit(value: number | string): Limit {
  if (typeof value === 'number') return value;
  return { relativePercent: Number(value.slice(0, -1)) };
}

export function isRelative(limit: Limit): limit is { readonly relativePercent: number } {
  return typeof limit !== 'number';
}

export function parseAllowed(input: AllowedText): Allowed {
  return {
    ...(input.min !== undefined && { min: parseLimit(input.min) }),
    ...(input.max !== undefined && { max: parseLimit(input.max) }),
  };
}
