import { z } from 'zod';

/**
 * A bounded uniform sample of raw values, for quantiles of metrics that arrive as plain values.
 * Each value carries a random key drawn once when it is observed; a sample keeps the `capacity`
 * smallest keys (a bottom-k sample). Keeping the k smallest keys of a union is associative and
 * commutative, so buckets and replicas merge exactly, and the result is a uniform sample without
 * replacement of everything observed.
 */
export const DEFAULT_SAMPLE_CAPACITY = 1024;

export const samplesSchema = z.object({
  kind: z.literal('samples'),
  capacity: z.number().int().positive(),
  /** how many values were observed, kept or not */
  count: z.number().int().nonnegative(),
  /** sorted by key, then value */
  items: z.array(z.object({ key: z.number(), value: z.number() })),
});
export type Samples = z.infer<typeof samplesSchema>;

export function emptySamples(capacity = DEFAULT_SAMPLE_CAPACITY): Samples {
  return { kind: 'samples', capacity, count: 0, items: [] };
}

/** `key` must be uniform on [0, 1) and independent of the value; it is a parameter for tests. */
export function observeSample(s: Samples, value: number, key: number = Math.random()): Samples {
  return mergeSamples(s, { kind: 'samples', capacity: s.capacity, count: 1, items: [{ key, value }] });
}

export function mergeSamples(a: Samples, b: Samples): Samples {
  const capacity = Math.min(a.capacity, b.capacity);
  const items = [...a.items, ...b.items]
    .sort((x, y) => x.key - y.key || x.value - y.value)
    .slice(0, capacity);
  return { kind: 'samples', capacity, count: a.count + b.count, items };
}

/** The kept values in ascending order. */
export function sortedSampleValues(s: Samples): number[] {
  return s.items.map((i) => i.value).sort((x, y) => x - y);
}
