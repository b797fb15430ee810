import { rolloutSpecSchema } from '@rollout-guard/shared/spec';
import { aggregate, type CohortStats } from '@rollout-guard/shared/stats';
import binomial from '@stdlib/random-base-binomial';
import { describe, expect, it } from 'vitest';
import { runBacktest } from './backtest.ts';
import { prometheusProblems } from './prometheus-checks.ts';
import { prometheusSource } from './prometheus-source.ts';
import { expectNoFalseRollbacks, useBackfilledPrometheus } from './prometheus-test-kit.ts';
import { scenarioSpecInput } from './spec-fixture.ts';

const MINUTE = 60_000;
const SCRAPE_MS = 15_000;
const START = Math.floor((Date.now() - 4 * 60 * MINUTE) / MINUTE) * MINUTE;
const HOURS = 3;
const BREACH_AT = START + 25 * MINUTE;
const PER_SCRAPE = 500; // latency observations per scrape: 2,000/min, 33.3/s
const REQUESTS_PER_SCRAPE = 600; // 40/s

const BOUNDS = [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4];
/** Where the values of a bucket are put: its midpoint, so the mean is known exactly. */
const MIDPOINTS = [0.025, 0.075, 0.15, 0.3, 0.6, 1.2, 2.4, 4.8, 0];
/** Share of observations per bucket (the last is +Inf): p95 = 0.4 + 0.05 / 0.08 × 0.4 = 0.65, mean 0.202. */
const NORMAL = [0.1, 0.3, 0.3, 0.2, 0.08, 0.02, 0, 0, 0];
/** Two buckets slower: p95 = 1.6 + 0.05 / 0.08 × 1.6 = 2.6, mean 0.813. */
const SLOW = [0, 0, 0.1, 0.3, 0.3, 0.2, 0.08, 0.02, 0];

/**
 * Three hours of a latency histogram and a request counter scraped every 15 s, bucket counts drawn from a
 * seeded multinomial: the answer is known.
 * - scenario="aa": both variants NORMAL the whole time;
 * - scenario="slow": control NORMAL, treatment NORMAL until 25 min in, then SLOW.
 */
function openmetrics(): string {
  const draw = binomial.factory({ seed: 20261207 });
  const series = [
    { labels: 'scenario="aa",feature_flag_result_variant="on"', shares: () => NORMAL },
    { labels: 'scenario="aa",feature_flag_result_variant="off"', shares: () => NORMAL },
    {
      labels: 'scenario="slow",feature_flag_result_variant="on"',
      shares: (at: number) => (at >= BREACH_AT ? SLOW : NORMAL),
    },
    { labels: 'scenario="slow",feature_flag_result_variant="off"', shares: () => NORMAL },
  ];
  const latency: string[] = [];
  const requests: string[] = [];
  for (const s of series) {
    const counts = new Array<number>(NORMAL.length).fill(0);
    let sum = 0;
    let total = 0;
    for (let at = START; at <= START + HOURS * 60 * MINUTE; at += SCRAPE_MS) {
      // A multinomial draw as a chain of binomials: each bucket takes its share of what is left.
      let left = PER_SCRAPE;
      let shareLeft = 1;
      s.shares(at).forEach((share, i) => {
        const n = left > 0 && shareLeft > 0 ? draw(left, Math.min(1, share / shareLeft)) : 0;
        counts[i] = counts[i]! + n;
        sum += n * MIDPOINTS[i]!;
        left -= n;
        shareLeft -= share;
      });
      total += REQUESTS_PER_SCRAPE;
      const ts = at / 1000;
      let cumulative = 0;
      counts.forEach((count, i) => {
        cumulative += count;
        const le = i < BOUNDS.length ? String(BOUNDS[i]) : '+Inf';
        latency.push(`latency_seconds_bucket{${s.labels},le="${le}"} ${cumulative} ${ts}`);
      });
      latency.push(`latency_seconds_count{${s.labels}} ${cumulative} ${ts}`);
      latency.push(`latency_seconds_sum{${s.labels}} ${sum} ${ts}`);
      requests.push(`requests_total{${s.labels}} ${total} ${ts}`);
    }
  }
  return [
    '# TYPE latency_seconds histogram',
    ...latency,
    '# TYPE requests counter',
    ...requests,
    '# EOF',
    '',
  ].join('\n');
}

const GUARDRAILS = ['latency-p95', 'latency-mean', 'observed', 'traffic'];

/** A rollout of two waves guarded by the named checks (default: all four). */
function spec(scenario: string, only: readonly string[] = GUARDRAILS) {
  return rolloutSpecSchema.parse(
    scenarioSpecInput(
      `histogram-${scenario}`,
      scenario,
      ['20m', '30m'],
      guardrails().filter((g) => only.includes(g.name)),
    ),
  );
}

function guardrails() {
  return [
    {
      name: 'latency-p95',
      metric: 'latency_seconds',
      aggregate: 'p95',
      compare: 'control',
      allowed: { max: 0.2 },
    },
    {
      name: 'latency-mean',
      metric: 'latency_seconds',
      aggregate: 'mean',
      compare: 'control',
      allowed: { max: 0.1 },
    },
    { name: 'observed', metric: 'latency_seconds', aggregate: 'rate', allowed: { min: 20 } },
    { name: 'traffic', metric: 'requests_total', aggregate: 'rate', allowed: { min: 20 } },
  ];
}

const backfilled = useBackfilledPrometheus(openmetrics);
const { egress } = backfilled;

const source = (scenario: string) =>
  prometheusSource({
    url: backfilled.prometheus.url,
    spec: spec(scenario),
    from: START,
    to: START + HOURS * 60 * MINUTE,
    stepMs: MINUTE,
    egress,
  });

function value(stats: CohortStats | null, how: Parameters<typeof aggregate>[1]): number {
  expect(stats).not.toBeNull();
  const result = aggregate(stats!, how, { windowSeconds: 600 });
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}

describe('quantiles, means and rates replayed from a real Prometheus with known data', () => {
  it('reads a histogram from its buckets, _sum and _count, and a counter as its increase', async () => {
    const slow = source('slow');
    const before = [START + 10 * MINUTE, START + 20 * MINUTE] as const;
    const after = [START + 40 * MINUTE, START + 50 * MINUTE] as const;
    const control = await slow.read('latency_seconds', 'control', ...before, 'quantile');
    expect(control).toMatchObject({ kind: 'histogram', bounds: BOUNDS });
    expect(value(control, { quantile: 0.95 })).toBeCloseTo(0.65, 1);
    expect(value(control, 'mean')).toBeCloseTo(0.202, 2);
    expect(value(control, 'rate')).toBeCloseTo(PER_SCRAPE / 15, 0);
    const treatment = await slow.read('latency_seconds', 'treatment', ...after, 'quantile');
    expect(value(treatment, { quantile: 0.95 })).toBeCloseTo(2.6, 1);
    expect(value(treatment, 'mean')).toBeCloseTo(0.813, 2);
    const requests = await slow.read('requests_total', 'treatment', ...before, 'auto');
    expect(requests).toMatchObject({ kind: 'counter' });
    expect(value(requests, 'rate')).toBeCloseTo(REQUESTS_PER_SCRAPE / 15, 0);
    // The baseline is every series together: both cohorts' observations.
    const both = await slow.read('latency_seconds', 'baseline', ...before, 'auto');
    expect(value(both, 'count')).toBeCloseTo(2 * 10 * 4 * PER_SCRAPE, -3);
    expect(await prometheusProblems(spec('slow'), slow)).toEqual([]);
  });

  it('on data with no real difference: every run completes, a false-rollback rate of 0', async () => {
    await expectNoFalseRollbacks(spec('aa'), source('aa'), START, START + HOURS * 60 * MINUTE);
  });

  it.each(['latency-p95', 'latency-mean'])(
    'rolls back on %s within minutes of a real slowdown, naming it',
    async (check) => {
      const report = await runBacktest({
        spec: spec('slow', [check, 'traffic']),
        from: START,
        to: START + 60 * MINUTE,
        intervalMs: MINUTE,
        runs: 1,
        noRealDifference: false,
        source: source('slow'),
      });
      const [run] = report.runs;
      expect(run!.phase).toBe('rolled-back');
      const [first, second] = run!.waves;
      expect(first).toMatchObject({ index: 1, outcome: 'go' });
      expect(second).toMatchObject({ index: 2, outcome: 'rolled-back' });
      expect(second!.endedAt! - BREACH_AT).toBeGreaterThan(0);
      expect(second!.endedAt! - BREACH_AT).toBeLessThanOrEqual(12 * MINUTE);
      const rollback = run!.decisions.find((d) => d.id === second!.decisionId)!;
      const outcomes = Object.fromEntries(rollback.checks.map((c) => [c.check, c.outcome]));
      expect(outcomes[check]).toBe('breached');
      expect(outcomes.traffic).not.toBe('breached');
    },
  );
});
