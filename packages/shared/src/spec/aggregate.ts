import { z } from 'zod';

export const NAMED_AGGREGATES = [
  'mean',
  'sum',
  'count',
  'rate',
  'min',
  'max',
  'last',
  'distribution',
] as const;

/** The aggregate that compares a histogram's whole shape between treatment and reference (`tolerance`). */
export const DISTRIBUTION_AGGREGATE = 'distribution';

// p50, p99, p999, p975, p9999: the digits after "p" are the quantile's decimals. A trailing 0 on
// three or more digits (p100, p990) would read as another quantile, so it is refused.
export const QUANTILE_AGGREGATE_PATTERN = /^p(0[1-9]|[1-9]\d)(\d*[1-9])?$/;

export const AGGREGATE_HINT = `expected one of ${NAMED_AGGREGATES.join(', ')} or a quantile like p50, p95, p99, p999`;

/**
 * `mean`, `sum`, `count`, `rate`, `min`, `max`, `last`, `distribution` (the whole shape, judged against a
 * `tolerance`), or a quantile written `p99`, `p999`, `p975`…
 */
export type Aggregate = (typeof NAMED_AGGREGATES)[number] | `p${number}`;

export const aggregateInput = z
  .union(
    [z.enum(NAMED_AGGREGATES), z.string().regex(QUANTILE_AGGREGATE_PATTERN, { error: AGGREGATE_HINT })],
    {
      error: AGGREGATE_HINT,
    },
  )
  .meta({
    description:
      'How data points are summarised; pNN is a quantile (p99 = 0.99); distribution compares the whole shape with the reference within tolerance. Default: mean.',
  });

/** The quantile an aggregate names (`p99` → 0.99, `p999` → 0.999), or undefined for the others. */
export function quantileOf(aggregate: string): number | undefined {
  if (!QUANTILE_AGGREGATE_PATTERN.test(aggregate)) return undefined;
  return Number(`0.${aggregate.slice(1)}`);
}

/** The aggregate name for a quantile (`0.975` → `p975`); undefined when it is not in (0, 1). */
export function aggregateOfQuantile(quantile: number): Aggregate | undefined {
  if (!(quantile > 0 && quantile < 1)) return undefined;
  const digits = String(quantile).split('.')[1] ?? '';
  const padded = digits.length === 1 ? `${digits}0` : digits;
  return `p${padded}` as Aggregate;
}
