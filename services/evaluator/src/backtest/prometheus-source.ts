import type { Egress } from '@rollout-guard/shared/egress';
import { promLabelName, type RolloutSpec } from '@rollout-guard/shared/spec';
import type { CohortStats, ExplicitHistogram } from '@rollout-guard/shared/stats';
import type { Cohort, StatsWanted } from '@rollout-guard/shared/store';
import {
  type PrometheusRange,
  prometheusRange,
  type RangeLimits,
  type RangeSeries,
  sumBetween,
} from './prometheus-range.ts';
import type { BacktestSource } from './replay.ts';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export interface CohortSplit {
  /** The label whose values put a series in a cohort. */
  readonly label: string;
  readonly treatment: string;
  readonly control: string;
}

export interface PrometheusSourceOptions {
  readonly url: string;
  readonly spec: RolloutSpec;
  /** Defaults to the spec's cohort attribute (as a label) and variants; or a label the user names. */
  readonly split?: CohortSplit;
  readonly from: number;
  readonly to: number;
  /** The evaluation interval: each range-query point is the increase over one step. */
  readonly stepMs: number;
  readonly timeoutMs?: number;
  /** How requests go out: the evaluator's egress policy. */
  readonly egress: Pick<Egress, 'fetch'>;
  readonly limits?: RangeLimits;
}

export class BacktestInputError extends Error {
  override name = 'BacktestInputError';
}

/**
 * How a metric is kept in Prometheus, from the names its series carry: a histogram (`_bucket`, `_sum`,
 * `_count`), a summary (`_sum` and `_count` alone), a plain series (read as a counter), or nothing at all.
 */
export type MetricShape = 'histogram' | 'summary' | 'plain' | 'absent';

export interface PrometheusSource extends BacktestSource {
  shapeOf(metric: string): Promise<MetricShape>;
  /** The selector's label matchers, for messages. */
  readonly matchers: string;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The series selector's label matchers: the spec's `match`, and the flag key when a series carries one. */
export function matchersOf(spec: RolloutSpec): string {
  const matchers = Object.entries(spec.spec.match).map(
    ([name, value]) => `${promLabelName(name)}="${escapeLabelValue(value)}"`,
  );
  matchers.push(`feature_flag_key=~"${escapeLabelValue(`|${escapeRegex(spec.spec.flag)}`)}"`);
  return matchers.join(',');
}

/** Which series a read needs: the two cohorts (by the split label), or every series together (the baseline). */
type Group = 'cohorts' | 'baseline';

/**
 * Recorded data from a Prometheus over its range-query API, read as the collector would have stored it: a
 * counter as its increase over each step, a histogram as the increase of each bucket, of `_sum` and of
 * `_count` (so quantiles, means and rates are judged by the same intervals as live), a summary as a histogram
 * with no finite bucket (its count and sum, no spread). Each query is `sum by (<cohort label>[, le])
 * (increase(…[step]))` over the whole backtest, fetched once; a window's value is the sum of the steps ending
 * in it. The baseline is every series together.
 */
export function prometheusSource(options: PrometheusSourceOptions): PrometheusSource {
  const { spec, stepMs } = options;
  const split = options.split ?? {
    label: promLabelName(spec.spec.cohorts.attribute),
    treatment: spec.spec.cohorts.treatment,
    control: spec.spec.cohorts.control,
  };
  if (stepMs < 1000 || stepMs % 1000 !== 0)
    throw new BacktestInputError(
      `the evaluation interval must be whole seconds, at least 1s, to read Prometheus; got ${stepMs} ms`,
    );
  const range: PrometheusRange = prometheusRange({
    url: options.url,
    stepMs,
    egress: options.egress,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  const stepSeconds = stepMs / 1000;
  const matchers = matchersOf(spec);
  const cohortMatcher = `${split.label}=~"${escapeLabelValue(`${escapeRegex(split.treatment)}|${escapeRegex(split.control)}`)}"`;
  const shapes = new Map<string, Promise<MetricShape>>();
  const series = new Map<string, Promise<RangeSeries[]>>();

  function named(metric: string): string {
    if (!METRIC_NAME.test(metric)) {
      throw new BacktestInputError(
        `metric "${metric}" is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)`,
      );
    }
    return metric;
  }

  /** The increase of `metric` per step, summed by the cohort label (and `le` for buckets). */
  function load(metric: string, group: Group, byBucket: boolean): Promise<RangeSeries[]> {
    const key = `${group}|${metric}`;
    let loading = series.get(key);
    if (loading === undefined) {
      const by = [...(group === 'cohorts' ? [split.label] : []), ...(byBucket ? ['le'] : [])];
      const selector = group === 'cohorts' ? `${matchers},${cohortMatcher}` : matchers;
      const query = `sum by (${by.join(',')}) (increase(${named(metric)}{${selector}}[${stepSeconds}s]))`;
      loading = range.matrix(query, options.from, options.to);
      series.set(key, loading);
    }
    return loading;
  }

  function cohortSeries(all: RangeSeries[], cohort: Cohort): RangeSeries[] {
    if (cohort === 'baseline') return all;
    const value = cohort === 'treatment' ? split.treatment : split.control;
    return all.filter((s) => s.labels[split.label] === value);
  }

  async function increase(metric: string, cohort: Cohort, fromMs: number, toMs: number) {
    const group: Group = cohort === 'baseline' ? 'baseline' : 'cohorts';
    let total = 0;
    let seen = false;
    for (const s of cohortSeries(await load(metric, group, false), cohort)) {
      const sum = sumBetween(s, fromMs, toMs);
      if (sum === null) continue;
      total += sum;
      seen = true;
    }
    return seen ? total : null;
  }

  async function histogram(
    metric: string,
    cohort: Cohort,
    fromMs: number,
    toMs: number,
    withBuckets: boolean,
  ): Promise<ExplicitHistogram | null> {
    const [count, sum] = await Promise.all([
      increase(`${metric}_count`, cohort, fromMs, toMs),
      increase(`${metric}_sum`, cohort, fromMs, toMs),
    ]);
    if (count === null) return null;
    const cumulative = new Map<number, number>();
    if (withBuckets) {
      const group: Group = cohort === 'baseline' ? 'baseline' : 'cohorts';
      for (const s of cohortSeries(await load(`${metric}_bucket`, group, true), cohort)) {
        const bound = Number(s.labels.le);
        const value = sumBetween(s, fromMs, toMs);
        if (Number.isNaN(bound) || value === null) continue;
        cumulative.set(bound, (cumulative.get(bound) ?? 0) + value);
      }
    }
    const bounds = [...cumulative.keys()].filter(Number.isFinite).sort((a, b) => a - b);
    // Buckets are cumulative; increase() extrapolates each on its own, so a difference can dip below 0.
    const counts: number[] = [];
    let below = 0;
    for (const bound of bounds) {
      const upTo = Math.max(below, cumulative.get(bound)!);
      counts.push(upTo - below);
      below = upTo;
    }
    const total = Math.max(count, below);
    counts.push(total - below);
    return { kind: 'histogram', bounds, counts, count: total, sum: sum ?? 0, min: null, max: null };
  }

  function shapeOf(metric: string): Promise<MetricShape> {
    let known = shapes.get(metric);
    if (known === undefined) {
      const names = ['', '_bucket', '_sum', '_count'].map((suffix) => named(`${metric}${suffix}`));
      known = range
        .names(`{__name__=~"${names.join('|')}",${matchers}}`, options.from, options.to)
        .then((found): MetricShape => {
          const has = (suffix: string) => found.includes(`${metric}${suffix}`);
          if (has('_bucket') && has('_count')) return 'histogram';
          if (has('_sum') && has('_count')) return 'summary';
          return has('') ? 'plain' : 'absent';
        });
      shapes.set(metric, known);
    }
    return known;
  }

  return {
    matchers,

    shapeOf,

    async read(metric, cohort, fromMs, toMs, wanted: StatsWanted): Promise<CohortStats | null> {
      const shape = wanted === 'counter' ? 'plain' : await shapeOf(metric);
      switch (shape) {
        case 'plain': {
          const value = await increase(metric, cohort, fromMs, toMs);
          return value === null ? null : { kind: 'counter', increase: value, resets: 0 };
        }
        case 'histogram':
        case 'summary':
          return histogram(metric, cohort, fromMs, toMs, shape === 'histogram');
        case 'absent':
          return null;
      }
    },
  };
}
