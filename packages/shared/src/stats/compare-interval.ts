import { type Aggregation, aggregationName } from './aggregate.ts';
import type { CohortStats } from './cohort-stats.ts';
import { checkConfidence, type IntervalResult } from './interval-result.ts';
import { quantileDifferenceInterval, quantileInterval } from './quantile-interval.ts';
import { eventDifferenceInterval, eventInterval } from './rate-interval.ts';
import {
  type CompareOptions,
  type IntervalOptions,
  meanDifferenceInterval,
  meanInterval,
  proportionDifferenceInterval,
  proportionInterval,
} from './sequential-interval.ts';

/**
 * The interval a `compare: control | baseline` check judges: treatment − reference of the
 * check's aggregate (or relative, for limits like "+5%"). `mean`, `ratio`, quantiles and counts of
 * events (`rate`, `count`, a counter's `sum`; against a control) have intervals; other aggregates
 * answer `unsupported` and are compared by value.
 */
export function compareInterval(
  treatment: CohortStats,
  reference: CohortStats,
  how: Aggregation,
  opts: CompareOptions & WindowLength,
): IntervalResult {
  checkConfidence(opts.confidence);
  if (typeof how === 'object') return quantileDifferenceInterval(treatment, reference, how.quantile, opts);
  if (how === 'mean' && treatment.kind !== 'ratio') return meanDifferenceInterval(treatment, reference, opts);
  if (how === 'ratio' || (how === 'mean' && treatment.kind === 'ratio')) {
    return proportionDifferenceInterval(treatment, reference, opts);
  }
  if (isEventAggregate(how) && opts.windowSeconds !== undefined) {
    return eventDifferenceInterval(treatment, reference, how, {
      ...opts,
      windowSeconds: opts.windowSeconds,
      referenceSeconds: opts.referenceSeconds ?? opts.windowSeconds,
    });
  }
  return unsupported(how, opts.confidence);
}

/** The interval of an `absolute` check: the aggregate of one cohort. */
export function absoluteInterval(
  stats: CohortStats,
  how: Aggregation,
  opts: IntervalOptions & WindowLength,
): IntervalResult {
  checkConfidence(opts.confidence);
  if (typeof how === 'object') return quantileInterval(stats, how.quantile, opts);
  if (how === 'mean' && stats.kind !== 'ratio') return meanInterval(stats, opts);
  if (how === 'ratio' || (how === 'mean' && stats.kind === 'ratio')) return proportionInterval(stats, opts);
  if (isEventAggregate(how) && opts.windowSeconds !== undefined) {
    return eventInterval(stats, how, { ...opts, windowSeconds: opts.windowSeconds });
  }
  return unsupported(how, opts.confidence);
}

/** The window's length in seconds: `rate` and `count` intervals need it. */
export interface WindowLength {
  windowSeconds?: number;
  /** The reference's, when it covers another length (the baseline window, the previous wave); default `windowSeconds`. */
  referenceSeconds?: number;
}

function isEventAggregate(how: Aggregation): how is 'rate' | 'count' | 'sum' {
  return how === 'rate' || how === 'count' || how === 'sum';
}

function unsupported(how: Aggregation, confidence: number): IntervalResult {
  return {
    status: 'unsupported',
    reason: `${aggregationName(how)} has no confidence interval`,
    confidence,
    method: 'none',
    n: { treatment: 0 },
  };
}
