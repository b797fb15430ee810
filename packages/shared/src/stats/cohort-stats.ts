import { z } from 'zod';
import { counterSchema, mergeCounters } from './counter.ts';
import { explicitHistogramSchema, mergeHistograms } from './explicit-histogram.ts';
import { exponentialHistogramSchema, mergeExponential } from './exponential-histogram.ts';
import { mergeMoments, momentsSchema } from './moments.ts';
import { mergeRatios, ratioSchema } from './ratio.ts';
import { mergeSamples, samplesSchema } from './samples.ts';

/**
 * Everything the collector stores for one metric, one cohort and one time bucket. Plain JSON,
 * validated with this schema when read back, and merged with `mergeCohortStats`.
 */
export const cohortStatsSchema = z.discriminatedUnion('kind', [
  momentsSchema,
  explicitHistogramSchema,
  exponentialHistogramSchema,
  counterSchema,
  ratioSchema,
  samplesSchema,
]);
export type CohortStats = z.infer<typeof cohortStatsSchema>;
export type CohortStatsKind = CohortStats['kind'];

/**
 * Merges two buckets of the same kind of statistic. Merging a histogram with moments (say) means
 * the collector stored one metric two ways, which is a bug upstream, so it throws.
 */
export function mergeCohortStats<T extends CohortStats>(a: T, b: T): T;
export function mergeCohortStats(a: CohortStats, b: CohortStats): CohortStats {
  switch (a.kind) {
    case 'moments':
      if (b.kind === 'moments') return mergeMoments(a, b);
      break;
    case 'histogram':
      if (b.kind === 'histogram') return mergeHistograms(a, b);
      break;
    case 'exponential':
      if (b.kind === 'exponential') return mergeExponential(a, b);
      break;
    case 'counter':
      if (b.kind === 'counter') return mergeCounters(a, b);
      break;
    case 'ratio':
      if (b.kind === 'ratio') return mergeRatios(a, b);
      break;
    case 'samples':
      if (b.kind === 'samples') return mergeSamples(a, b);
      break;
  }
  throw new TypeError(
    `cannot merge statistics of kind "${a.kind}" with "${b.kind}": one metric must be stored as one kind`,
  );
}

/** Merges any number of buckets; null when there are none (no data is not zero data). */
export function mergeAll<T extends CohortStats>(stats: readonly T[]): T | null {
  if (stats.length === 0) return null;
  return stats.reduce((acc, s) => mergeCohortStats(acc, s));
}

/**
 * The number of observations behind a statistic, as `minSamples` counts them: values for moments
 * and samples, observations for histograms, the denominator's increase for ratios and the
 * increase itself for counters.
 */
export function sampleCount(s: CohortStats): number {
  switch (s.kind) {
    case 'moments':
    case 'histogram':
    case 'exponential':
    case 'samples':
      return s.count;
    case 'counter':
      return s.increase;
    case 'ratio':
      return s.denominator;
  }
}
