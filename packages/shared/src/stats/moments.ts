import { z } from 'zod';

/**
 * Running moments of a stream of values: enough for mean, sum, count, min, max, last and
 * Welch's variance. Plain sums of squares, as PRODUCT.md specifies: see STATISTICS.md for the
 * precision this gives and when it degrades.
 */
export const momentsSchema = z.object({
  kind: z.literal('moments'),
  count: z.number().int().nonnegative(),
  sum: z.number(),
  sumSquares: z.number().nonnegative(),
  /** null while count is 0 (JSON has no Infinity) */
  min: z.number().nullable(),
  max: z.number().nullable(),
  /** the value with the latest timestamp (unix ms); ties go to the larger value so merge commutes */
  last: z.object({ value: z.number(), time: z.number() }).nullable(),
});
export type Moments = z.infer<typeof momentsSchema>;

export function emptyMoments(): Moments {
  return { kind: 'moments', count: 0, sum: 0, sumSquares: 0, min: null, max: null, last: null };
}

export function observeMoments(m: Moments, value: number, time?: number): Moments {
  const last = time === undefined ? m.last : laterOf(m.last, { value, time });
  return {
    kind: 'moments',
    count: m.count + 1,
    sum: m.sum + value,
    sumSquares: m.sumSquares + value * value,
    min: m.min === null ? value : Math.min(m.min, value),
    max: m.max === null ? value : Math.max(m.max, value),
    last,
  };
}

/** Moments of a list of values; `time` stamps the last value of the list, if given. */
export function momentsOf(values: readonly number[], time?: number): Moments {
  let m = emptyMoments();
  values.forEach((v, i) => {
    m = observeMoments(m, v, i === values.length - 1 ? time : undefined);
  });
  return m;
}

export function mergeMoments(a: Moments, b: Moments): Moments {
  return {
    kind: 'moments',
    count: a.count + b.count,
    sum: a.sum + b.sum,
    sumSquares: a.sumSquares + b.sumSquares,
    min: nullableExtreme(a.min, b.min, Math.min),
    max: nullableExtreme(a.max, b.max, Math.max),
    last: a.last === null ? b.last : laterOf(a.last, b.last),
  };
}

export function momentsMean(m: Moments): number | null {
  return m.count === 0 ? null : m.sum / m.count;
}

/**
 * Unbiased sample variance (n − 1). Clamped at 0: with a mean far larger than the spread,
 * sumSquares − sum²/n loses digits and can come out slightly negative.
 */
export function momentsVariance(m: Moments): number | null {
  if (m.count < 2) return null;
  const centred = m.sumSquares - (m.sum * m.sum) / m.count;
  return Math.max(0, centred / (m.count - 1));
}

type Last = NonNullable<Moments['last']>;

function laterOf(a: Last | null, b: Last | null): Last | null {
  if (a === null) return b;
  if (b === null) return a;
  if (a.time !== b.time) return a.time > b.time ? a : b;
  return a.value >= b.value ? a : b;
}

function nullableExtreme(
  a: number | null,
  b: number | null,
  pick: (x: number, y: number) => number,
): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return pick(a, b);
}
