import { type Aggregation, aggregate, type CohortStats, sampleCount } from '@rollout-guard/shared/stats';

/** One cohort's row of a measurement: its sample count and its aggregate (null without data or a value). */
export function cohortValue(stats: CohortStats | null, how: Aggregation, seconds: number) {
  if (stats === null) return { samples: 0, value: null };
  const value = aggregate(stats, how, { windowSeconds: seconds });
  return { samples: sampleCount(stats), value: value.ok ? value.value : null };
}
