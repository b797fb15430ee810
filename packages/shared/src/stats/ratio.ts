import { z } from 'zod';

/**
 * Increases of a numerator and a denominator counter over the same bucket (errors and requests).
 * Kept as a pair so the ratio is taken after merging — a ratio of sums, never a mean of ratios.
 */
export const ratioSchema = z.object({
  kind: z.literal('ratio'),
  numerator: z.number().nonnegative(),
  denominator: z.number().nonnegative(),
});
export type RatioPair = z.infer<typeof ratioSchema>;

export function ratioOf(numerator: number, denominator: number): RatioPair {
  return { kind: 'ratio', numerator, denominator };
}

export function mergeRatios(a: RatioPair, b: RatioPair): RatioPair {
  return {
    kind: 'ratio',
    numerator: a.numerator + b.numerator,
    denominator: a.denominator + b.denominator,
  };
}

export function ratioValue(r: RatioPair): number | null {
  return r.denominator === 0 ? null : r.numerator / r.denominator;
}
