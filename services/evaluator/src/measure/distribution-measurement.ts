import { type Measurement, measurementFromStats, type Reference } from '@rollout-guard/shared/decision';
import type { Check } from '@rollout-guard/shared/spec';
import { type CohortStats, distributionInterval } from '@rollout-guard/shared/stats';
import { cohortValue } from './cohort-value.ts';
import type { CheckWindow } from './measure-check.ts';

// A cohort's "value" for a distribution check is its median: the one number the dashboard's value column and
// the cohort rows show. What is judged is the distance between the two distributions, not this value.
const MEDIAN = { quantile: 0.5 } as const;

/**
 * An `aggregate: distribution` check's measurement: both distributions read at the same boundaries, the
 * always-valid interval of their distance as `difference.absolute` (which the decision core judges against
 * `allowed = { max: tolerance }`), and the comparison itself as evidence. Undefined without treatment data.
 */
export function distributionMeasurementOf(
  check: Check,
  window: CheckWindow,
  treatment: CohortStats | null,
  reference: { kind: Reference; stats: CohortStats | null } | null,
): Measurement | undefined {
  if (treatment === null) return undefined;
  const base = {
    window: window.measurement,
    confidence: check.confidence,
    treatment: cohortValue(treatment, MEDIAN, window.seconds),
  };
  if (reference === null) return measurementFromStats(base);
  const referenceReading = { kind: reference.kind, ...cohortValue(reference.stats, MEDIAN, window.seconds) };
  if (reference.stats === null) return measurementFromStats({ ...base, reference: referenceReading });
  const { interval, comparison } = distributionInterval(treatment, reference.stats, {
    confidence: window.confidence,
    reference: reference.kind === 'control' ? 'control' : 'baseline',
    ...(check.distribution?.boundaries !== undefined && { declared: check.distribution.boundaries }),
  });
  return measurementFromStats({
    ...base,
    reference: referenceReading,
    absolute: interval,
    ...(comparison !== undefined && { distribution: comparison }),
  });
}
