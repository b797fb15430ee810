import { promLabelName, type RolloutSpec } from '@rollout-guard/shared/spec';
import type { CohortStats } from '@rollout-guard/shared/stats';
import type { Cohort } from '@rollout-guard/shared/store';
import { aggregationOf } from '../measure/measure-check.ts';
import type { BacktestSource } from './replay.ts';

/** Prometheus answers at most 11,000 points per series in one range query. */
const MAX_POINTS = 10_000;
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
  /** How requests go out: the evaluator's egress policy (`Egress.fetch`); the global fetch in tests. */
  readonly fetch?: (
    url: URL,
    init: { signal: AbortSignal; headers: Record<string, string> },
  ) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;
}

export class BacktestInputError extends Error {
  override name = 'BacktestInputError';
}

/**
 * Which checks a Prometheus can feed: counters, read as their increase over each step. Ratio checks
 * (errors / requests) are; a mean or a quantile needs what Prometheus does not keep (sums of squares,
 * the collector's histograms), and a PromQL check is judged by its value, not replayed.
 */
export function prometheusUnsupported(spec: RolloutSpec): string[] {
  return [...spec.spec.guardrails, ...spec.spec.successCriteria].flatMap((check) => {
    if (check.metric.kind === 'ratio') return [];
    const how = aggregationOf(check);
    const what =
      check.metric.kind === 'promql'
        ? 'a promql metric'
        : `aggregate ${typeof how === 'object' ? check.aggregate : how}`;
    return [
      `${check.name}: ${what} cannot be replayed from Prometheus (only ratio checks of two counters can); replay it from the collector's stored data instead`,
    ];
  });
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

type Points = Map<string, Array<[number, number]>>;

interface RangeResponse {
  status?: string;
  error?: string;
  data?: {
    resultType?: string;
    result?: Array<{ metric: Record<string, string>; values: [number, string][] }>;
  };
}

/**
 * Recorded counters from a Prometheus over its range-query API: per metric one
 * `sum by (<cohort label>) (increase(metric{…}[step]))` over the whole backtest (in chunks of 10,000 steps),
 * fetched once; a window's increase is the sum of the steps ending in it. The baseline is every series
 * together.
 */
export function prometheusSource(options: PrometheusSourceOptions): BacktestSource {
  const { spec, stepMs } = options;
  const split = options.split ?? {
    label: promLabelName(spec.spec.cohorts.attribute),
    treatment: spec.spec.cohorts.treatment,
    control: spec.spec.cohorts.control,
  };
  const stepSeconds = Math.round(stepMs / 1000);
  if (stepSeconds < 1)
    throw new BacktestInputError('the evaluation interval must be at least 1s to read Prometheus');
  const cache = new Map<string, Promise<Points>>();
  const doFetch = options.fetch ?? ((url, init) => fetch(url, init));

  async function rangeQuery(query: string, start: number, end: number): Promise<RangeResponse['data']> {
    const url = new URL(`${options.url.replace(/\/+$/, '')}/api/v1/query_range`);
    url.searchParams.set('query', query);
    url.searchParams.set('start', String(start / 1000));
    url.searchParams.set('end', String(end / 1000));
    url.searchParams.set('step', `${stepSeconds}s`);
    let response: Awaited<ReturnType<typeof doFetch>>;
    try {
      response = await doFetch(url, {
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
        headers: { accept: 'application/json' },
      });
    } catch (error) {
      throw new Error(
        `Prometheus at ${url.host} did not answer the range query: ${(error as Error).message}`,
      );
    }
    const body = (await response.json().catch(() => ({}))) as RangeResponse;
    if (!response.ok || body.status !== 'success' || body.data?.resultType !== 'matrix') {
      throw new Error(
        `Prometheus at ${url.host} answered ${response.status} to ${query}: ${body.error ?? `result type ${body.data?.resultType}`}`,
      );
    }
    return body.data;
  }

  async function load(metric: string): Promise<Points> {
    if (!METRIC_NAME.test(metric)) {
      throw new BacktestInputError(
        `metric "${metric}" is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)`,
      );
    }
    const query = `sum by (${split.label}) (increase(${metric}{${matchersOf(spec)}}[${stepSeconds}s]))`;
    const points: Points = new Map();
    const first = options.from + stepMs;
    for (let start = first; start <= options.to; start += MAX_POINTS * stepMs) {
      const end = Math.min(options.to, start + (MAX_POINTS - 1) * stepMs);
      const data = await rangeQuery(query, start, end);
      for (const series of data?.result ?? []) {
        const key = series.metric[split.label] ?? '';
        const list = points.get(key) ?? [];
        for (const [at, value] of series.values) {
          const number = Number(value);
          if (Number.isFinite(number)) list.push([at * 1000, number]);
        }
        points.set(key, list);
      }
    }
    return points;
  }

  return {
    async read(metric: string, cohort: Cohort, fromMs: number, toMs: number): Promise<CohortStats | null> {
      let loading = cache.get(metric);
      if (loading === undefined) {
        loading = load(metric);
        cache.set(metric, loading);
      }
      const points = await loading;
      const series =
        cohort === 'baseline'
          ? [...points.values()]
          : [points.get(cohort === 'treatment' ? split.treatment : split.control) ?? []];
      let increase = 0;
      let seen = false;
      // A point at t is the increase over (t − step, t].
      for (const list of series) {
        for (const [at, value] of list) {
          if (at > fromMs && at <= toMs) {
            increase += value;
            seen = true;
          }
        }
      }
      return seen ? { kind: 'counter', increase, resets: 0 } : null;
    },
  };
}
