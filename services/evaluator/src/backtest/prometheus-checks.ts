import type { Check, RolloutSpec } from '@rollout-guard/shared/spec';
import type { MetricShape, PrometheusSource } from './prometheus-source.ts';

/** A check a Prometheus backtest cannot replay, and why. */
export interface ReplayProblem {
  readonly check: string;
  readonly message: string;
}

const KEEPS: Record<MetricShape, string> = {
  histogram: 'a histogram (_bucket, _sum, _count)',
  summary: 'a summary (_sum and _count, no _bucket)',
  plain: 'a plain series (no _bucket, _sum or _count)',
  absent: 'no series',
};

/**
 * Which of the spec's checks a Prometheus can feed, decided from each check and the shape its metric has in
 * that Prometheus: a ratio of two counters; a quantile or a mean of a histogram (its buckets give the
 * quantile and the mean's spread, `_sum / _count` the mean); the rate, count or sum of a counter, histogram
 * or summary. Refused, each with why: min, max and last (they need every observation or a gauge's samples,
 * which range queries of counters do not give), a mean or quantile without buckets, a metric with no series,
 * and PromQL checks (judged live by their query's value, not from recorded counters).
 */
export async function prometheusProblems(
  spec: RolloutSpec,
  source: Pick<PrometheusSource, 'shapeOf' | 'matchers'>,
): Promise<ReplayProblem[]> {
  const checks = [...spec.spec.guardrails, ...spec.spec.successCriteria];
  const problems = await Promise.all(checks.map((check) => problemOf(check, source)));
  return problems.filter((p): p is ReplayProblem => p !== null);
}

async function problemOf(
  check: Check,
  source: Pick<PrometheusSource, 'shapeOf' | 'matchers'>,
): Promise<ReplayProblem | null> {
  const refuse = (message: string): ReplayProblem => ({ check: check.name, message });
  const metric = check.metric;
  if (metric.kind === 'promql') {
    return refuse(
      'a promql metric is judged live by its query’s value and cannot be replayed from recorded counters; replay the counters it reads as a ratio or named-metric check instead',
    );
  }
  const nowhere = (name: string) =>
    `no series of ${name} match {${source.matchers}} in the backtest’s range; check the metric name and the spec’s match`;
  if (metric.kind === 'ratio') {
    const shape = await source.shapeOf(metric.denominator);
    return shape === 'plain'
      ? null
      : refuse(`the denominator has ${KEEPS[shape]}: ${nowhere(metric.denominator)}`);
  }
  const aggregate = check.aggregate;
  if (aggregate === 'min' || aggregate === 'max' || aggregate === 'last') {
    return refuse(
      `aggregate ${aggregate} needs every observation or a gauge’s samples, which Prometheus range queries of counters and histograms do not give; replay it from the collector’s stored data instead`,
    );
  }
  const shape = await source.shapeOf(metric.name);
  if (shape === 'absent') return refuse(nowhere(`${metric.name} (or its _bucket, _sum, _count)`));
  const needsBuckets = check.quantile !== undefined || aggregate === 'mean';
  if (needsBuckets && shape !== 'histogram') {
    const what =
      check.quantile !== undefined
        ? `aggregate ${aggregate} needs the histogram’s buckets`
        : 'aggregate mean needs the spread of the values for its interval, which only a histogram’s buckets give';
    return refuse(`${what}; ${metric.name} is kept in Prometheus as ${KEEPS[shape]}`);
  }
  return null;
}

/** One message for the user: every refused check by name. */
export function formatReplayProblems(problems: readonly ReplayProblem[]): string {
  return `these checks cannot be replayed from Prometheus: ${problems.map((p) => `${p.check}: ${p.message}`).join('; ')}`;
}
