import { trailingWindow } from '@rollout-guard/shared/decision';
import type { Check } from '@rollout-guard/shared/spec';
import {
  type Aggregation,
  absoluteInterval,
  aggregate,
  type CohortStats,
  compareInterval,
  type IntervalResult,
  ratioOf,
  sampleCount,
} from '@rollout-guard/shared/stats';
import type { Cohort } from '@rollout-guard/shared/store';

/** Reads one metric's merged statistic for a cohort over [fromMs, toMs) (the stored buckets, or a test's table). */
export type ReadRange = (
  metric: string,
  cohort: Cohort,
  fromMs: number,
  toMs: number,
  wanted: 'auto' | 'counter' | 'quantile',
) => Promise<CohortStats | null>;

export interface CohortPoint {
  readonly samples: number;
  readonly value: number | null;
  readonly interval: readonly [number, number] | null;
}

export interface SeriesPoint {
  /** The end of the window this point covers (epoch ms). */
  readonly t: number;
  readonly from: number;
  readonly cohorts: Partial<Record<Cohort, CohortPoint>>;
  /** baseline/control checks: treatment − reference, absolute and relative (a fraction), with intervals. */
  readonly difference?: { readonly absolute: CohortPoint; readonly relative: CohortPoint };
}

export function aggregationOf(check: Check): Aggregation {
  if (check.metric.kind === 'ratio') return 'ratio';
  if (check.quantile !== undefined) return { quantile: check.quantile };
  return check.aggregate as Aggregation;
}

async function readCheck(read: ReadRange, check: Check, cohort: Cohort, from: number, to: number) {
  const metric = check.metric;
  if (metric.kind === 'promql') return null;
  if (metric.kind === 'ratio') {
    const [numerator, denominator] = await Promise.all([
      read(metric.numerator, cohort, from, to, 'counter'),
      read(metric.denominator, cohort, from, to, 'counter'),
    ]);
    if (denominator === null || denominator.kind !== 'counter') return null;
    return ratioOf(numerator?.kind === 'counter' ? numerator.increase : 0, denominator.increase);
  }
  const how = aggregationOf(check);
  return read(metric.name, cohort, from, to, typeof how === 'object' ? 'quantile' : 'auto');
}

function pair(result: IntervalResult): readonly [number, number] | null {
  return result.status === 'ok' ? [result.lower, result.upper] : null;
}

function estimate(result: IntervalResult): number | null {
  return result.status === 'ok' ? result.estimate : result.status === 'insufficient' ? result.estimate : null;
}

function cohortPoint(
  stats: CohortStats | null,
  how: Aggregation,
  seconds: number,
  confidence: number,
): CohortPoint {
  if (stats === null) return { samples: 0, value: null, interval: null };
  const value = aggregate(stats, how, { windowSeconds: seconds });
  return {
    samples: sampleCount(stats),
    value: value.ok ? value.value : null,
    interval: pair(absoluteInterval(stats, how, { confidence, windowSeconds: seconds })),
  };
}

export interface SeriesQuery {
  readonly check: Check;
  readonly from: number;
  readonly to: number;
  readonly step: number;
  /**
   * The wave's start: where a `window: wave` check's running total starts (else `from`), and where a trailing
   * window's restarts are counted from (else it is simply the last window length).
   */
  readonly cumulativeFrom?: number;
}

/**
 * A check's values over time, one point per step, computed the way the evaluator judges it — the same
 * aggregates and always-valid intervals of the stats module — from the stored time buckets: for
 * `window: wave` the running total since the wave began, for a duration the trailing window at each step.
 */
export async function seriesPoints(read: ReadRange, query: SeriesQuery): Promise<SeriesPoint[]> {
  const { check, step } = query;
  const how = aggregationOf(check);
  const cohorts: Cohort[] =
    check.compare === 'control'
      ? ['treatment', 'control']
      : check.compare === 'baseline'
        ? ['treatment', 'baseline']
        : ['treatment'];
  const points: SeriesPoint[] = [];
  for (let t = query.from + step; t <= query.to; t += step) {
    let from: number;
    let confidence = check.confidence;
    if (check.window === 'wave') from = Math.min(query.cumulativeFrom ?? query.from, t - step);
    else if (query.cumulativeFrom === undefined || t < query.cumulativeFrom) from = t - check.window.ms;
    else {
      const trailing = trailingWindow(query.cumulativeFrom, t, check.window.ms, check.confidence);
      from = trailing.from;
      confidence = trailing.confidence;
    }
    const seconds = Math.max(1, (t - from) / 1000);
    const stats = await Promise.all(cohorts.map((cohort) => readCheck(read, check, cohort, from, t)));
    const byCohort: Partial<Record<Cohort, CohortPoint>> = {};
    cohorts.forEach((cohort, i) => {
      byCohort[cohort] = cohortPoint(stats[i] ?? null, how, seconds, confidence);
    });
    const treatment = stats[0] ?? null;
    const reference = stats[1] ?? null;
    let difference: SeriesPoint['difference'];
    if (cohorts.length === 2 && treatment !== null && reference !== null) {
      const against = check.compare === 'control' ? 'control' : 'baseline';
      const absolute = compareInterval(treatment, reference, how, {
        confidence,
        relative: false,
        reference: against,
        windowSeconds: seconds,
      });
      const relative = compareInterval(treatment, reference, how, {
        confidence,
        relative: true,
        reference: against,
        windowSeconds: seconds,
      });
      const n = sampleCount(treatment);
      difference = {
        absolute: { samples: n, value: estimate(absolute), interval: pair(absolute) },
        relative: { samples: n, value: estimate(relative), interval: pair(relative) },
      };
    }
    points.push({ t, from, cohorts: byCohort, ...(difference === undefined ? {} : { difference }) });
  }
  return points;
}
