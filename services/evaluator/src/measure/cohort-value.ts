import { type Aggregation, aggregate, type CohortStats, sampleCount } from '@rollout-guard/shared/stats';

/**
 * One cohort's row of a measurement: its sample count and its aggregate (null without data or a value).
 * `seconds` is how long the statistic covers. A reference read over another length than the treatment
 * (the baseline window, the previous wave) gives its `count` and `sum` per `comparedSeconds`, the
 * treatment's window, so both sides are amounts over the same time; a `rate` is per second of its own.
 */
export function cohortValue(
  stats: CohortStats | null,
  how: Aggregation,
  seconds: number,
  comparedSeconds = seconds,
) {
  if (stats === null) return { samples: 0, value: null };
  const value = aggregate(stats, how, { windowSeconds: seconds });
  if (!value.ok) return { samples: sampleCount(stats), value: null };
  const amount = how === 'count' || how === 'sum';
  const scale = amount && seconds > 0 && comparedSeconds !== seconds ? comparedSeconds / seconds : 1;
  return { samples: sampleCount(stats), value: value.value * scale };
}
