import type { Measurement } from '@rollout-guard/shared/decision';
import { type Check, minSamplesFor } from '@rollout-guard/shared/spec';

/** One cohort's latest PromQL value, as the poll-promql job stored it. */
export interface PromqlValue {
  readonly value: number;
  /** When Prometheus evaluated it (unix ms). */
  readonly at: number;
}

export interface PromqlValues {
  readonly treatment?: PromqlValue;
  readonly control?: PromqlValue;
}

/** Why a PromQL check has no interval: Prometheus hands over a number, not the samples behind it. */
export const NO_INTERVAL = 'a PromQL value has no confidence interval';

/** A value older than this many polling intervals is stale: no data rather than an old number. */
export const STALE_AFTER_INTERVALS = 3;

/**
 * A PromQL check's measurement from its latest polled values. Prometheus has already aggregated the samples,
 * so there is no sample count: a fresh value counts as the check's `minSamples` (enough to judge), and the
 * "interval" of a value or a difference is the value itself — a PromQL check is judged by its value, without
 * the sequential guarantee of checks on ingested data. Stale or missing values are no data, never a breach.
 */
export function promqlMeasurement(
  check: Check,
  wave: { percent: number; minSamples: number },
  values: PromqlValues,
  now: number,
): Measurement | undefined {
  if (check.metric.kind !== 'promql') return undefined;
  const maxAge = check.metric.interval.ms * STALE_AFTER_INTERVALS;
  const fresh = (v: PromqlValue | undefined) => (v !== undefined && now - v.at <= maxAge ? v : undefined);
  const treatment = fresh(values.treatment);
  if (treatment === undefined) return undefined;
  const samples = minSamplesFor(check, wave);
  const window = {
    from: treatment.at,
    to: treatment.at,
    label: `promql every ${check.metric.interval.text}`,
  };
  if (check.compare === 'absolute') {
    return {
      window,
      treatment: { samples, value: treatment.value, noInterval: NO_INTERVAL },
      confidence: check.confidence,
    };
  }
  const control = fresh(values.control);
  if (control === undefined) {
    return { window, treatment: { samples, value: treatment.value }, reference: { samples: 0, value: null } };
  }
  const absolute = treatment.value - control.value;
  const relative = control.value === 0 ? undefined : absolute / control.value;
  return {
    window,
    treatment: { samples, value: treatment.value },
    reference: { samples, value: control.value },
    referenceKind: 'control',
    difference: {
      absolute: { estimate: absolute, interval: [absolute, absolute], noInterval: NO_INTERVAL },
      ...(relative === undefined
        ? {}
        : { relative: { estimate: relative, interval: [relative, relative], noInterval: NO_INTERVAL } }),
    },
    confidence: check.confidence,
  };
}
