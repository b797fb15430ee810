import { rolloutSpecSchema } from '@rollout-guard/shared/spec';
import binomial from '@stdlib/random-base-binomial';
import { describe, expect, it } from 'vitest';
import { runBacktest } from './backtest.ts';
import { formatReplayProblems, prometheusProblems } from './prometheus-checks.ts';
import { matchersOf, prometheusSource } from './prometheus-source.ts';
import { expectNoFalseRollbacks, useBackfilledPrometheus } from './prometheus-test-kit.ts';
import { scenarioSpecInput } from './spec-fixture.ts';

const MINUTE = 60_000;
const SCRAPE_MS = 15_000;
// Whole minutes, three hours before now: history, as backfill needs it.
const START = Math.floor((Date.now() - 4 * 60 * MINUTE) / MINUTE) * MINUTE;
const HOURS = 3;
const BREACH_AT = START + 30 * MINUTE;
const PER_SCRAPE = 500; // 2,000 requests/min per series

interface Series {
  readonly labels: string;
  /** The error rate at a time. */
  readonly rate: (at: number) => number;
}

/**
 * Counters scraped every 15 s for three hours, errors drawn from a seeded binomial: the answer is known.
 * - scenario="aa": both variants at 1% the whole time;
 * - scenario="breach": control at 1%, treatment at 1% until 30 min in, then 4%;
 * - scenario="pre": no variant label, two instances at 1% (pre-rollout data to split by a label).
 */
function openmetrics(): string {
  const draw = binomial.factory({ seed: 20261206 });
  const series: Series[] = [
    { labels: 'scenario="aa",feature_flag_result_variant="on"', rate: () => 0.01 },
    { labels: 'scenario="aa",feature_flag_result_variant="off"', rate: () => 0.01 },
    {
      labels: 'scenario="breach",feature_flag_result_variant="on"',
      rate: (at) => (at >= BREACH_AT ? 0.04 : 0.01),
    },
    { labels: 'scenario="breach",feature_flag_result_variant="off"', rate: () => 0.01 },
    { labels: 'scenario="pre",instance="a"', rate: () => 0.01 },
    { labels: 'scenario="pre",instance="b"', rate: () => 0.01 },
  ];
  const times: number[] = [];
  for (let at = START; at <= START + HOURS * 60 * MINUTE; at += SCRAPE_MS) times.push(at);
  const requests: string[] = [];
  const errors: string[] = [];
  for (const s of series) {
    let total = 0;
    let failed = 0;
    for (const at of times) {
      total += PER_SCRAPE;
      failed += draw(PER_SCRAPE, s.rate(at));
      requests.push(`requests_total{${s.labels}} ${total} ${at / 1000}`);
      errors.push(`errors_total{${s.labels}} ${failed} ${at / 1000}`);
    }
  }
  return ['# TYPE requests counter', ...requests, '# TYPE errors counter', ...errors, '# EOF', ''].join('\n');
}

function spec(scenario: string) {
  return rolloutSpecSchema.parse(specInput(scenario));
}

function specInput(scenario: string) {
  return scenarioSpecInput(
    `backtest-${scenario}`,
    scenario,
    ['20m', '20m'],
    [
      {
        name: 'errors',
        metric: { ratio: { numerator: 'errors_total', denominator: 'requests_total' } },
        compare: 'control',
        allowed: { max: 0.005 },
      },
    ],
  );
}

const backfilled = useBackfilledPrometheus(openmetrics);
const { egress } = backfilled;

const source = (scenario: string, split?: { label: string; treatment: string; control: string }) =>
  prometheusSource({
    url: backfilled.prometheus.url,
    spec: spec(scenario),
    from: START,
    to: START + HOURS * 60 * MINUTE,
    stepMs: MINUTE,
    egress,
    ...(split === undefined ? {} : { split }),
  });

describe('backtests against a real Prometheus filled with known data', () => {
  it('on data with no real difference: every run completes, a false-rollback rate of 0', async () => {
    const report = await expectNoFalseRollbacks(spec('aa'), source('aa'), START, START + HOURS * 60 * MINUTE);
    // Each run judged its guardrail on the whole of its waves' data: 2,000 requests/min per cohort.
    const evidence = report.runs[0]!.decisions.find((d) => d.kind === 'verdict')!;
    expect(evidence.outcome).toBe('go');
  });

  it('rolls back within minutes of a real breach, naming the check and its numbers', async () => {
    const report = await runBacktest({
      spec: spec('breach'),
      from: START,
      to: START + 60 * MINUTE,
      intervalMs: MINUTE,
      runs: 1,
      noRealDifference: false,
      source: source('breach'),
    });
    const [run] = report.runs;
    expect(run!.phase).toBe('rolled-back');
    expect(report.falseRollbackRate).toBeNull();
    const [first, second] = run!.waves;
    expect(first).toMatchObject({ index: 1, outcome: 'go' });
    expect(second).toMatchObject({ index: 2, outcome: 'rolled-back' });
    expect(second!.endedAt! - BREACH_AT).toBeGreaterThan(0);
    expect(second!.endedAt! - BREACH_AT).toBeLessThanOrEqual(10 * MINUTE);
    const rollback = run!.decisions.find((d) => d.id === second!.decisionId)!;
    expect(rollback.checks[0]).toMatchObject({
      check: 'errors',
      outcome: 'breached',
      allowed: { max: 0.005 },
    });
    expect(rollback.checks[0]!.cohorts.treatment!.samples).toBeGreaterThan(10_000);
  });

  it('splits pre-rollout data into two cohorts by a label the user names', async () => {
    const report = await runBacktest({
      spec: spec('pre'),
      from: START,
      to: START + HOURS * 60 * MINUTE,
      intervalMs: MINUTE,
      runs: 3,
      noRealDifference: true,
      source: source('pre', { label: 'instance', treatment: 'a', control: 'b' }),
    });
    expect(report.runs.every((r) => r.phase === 'completed')).toBe(true);
    expect(report.falseRollbackRate).toBe(0);
    // The guardrail was judged on the two instances' data: 2,000 requests/min each, and both together.
    const split = source('pre', { label: 'instance', treatment: 'a', control: 'b' });
    const tenMinutes = [START + 10 * MINUTE, START + 20 * MINUTE] as const;
    for (const cohort of ['treatment', 'control'] as const) {
      const stats = await split.read('requests_total', cohort, ...tenMinutes, 'counter');
      expect(stats).toMatchObject({ kind: 'counter' });
      expect((stats as { increase: number }).increase).toBeCloseTo(20_000, -2);
    }
    const whole = await split.read('requests_total', 'baseline', ...tenMinutes, 'counter');
    expect((whole as { increase: number }).increase).toBeCloseTo(40_000, -2);
    const verdict = report.runs[0]!.decisions.find((d) => d.kind === 'verdict')!;
    expect(verdict.checks).toEqual([]);
    const advance = report.runs[0]!.decisions.filter((d) => d.kind === 'advance');
    expect(advance).toHaveLength(2);
  });

  it('says which checks it cannot replay from Prometheus and why, and quotes label values in its selector', async () => {
    const refused = rolloutSpecSchema.parse({
      ...specInput('aa'),
      spec: {
        ...specInput('aa').spec,
        guardrails: [
          // requests_total is a counter here: a mean and a quantile need a histogram's buckets.
          { name: 'mean-of-counter', metric: 'requests_total', aggregate: 'mean', allowed: { max: 2 } },
          { name: 'p99-of-counter', metric: 'requests_total', aggregate: 'p99', allowed: { max: 2 } },
          { name: 'peak', metric: 'requests_total', aggregate: 'max', allowed: { max: 2 } },
          { name: 'typo', metric: 'reqests_total', aggregate: 'rate', allowed: { min: 2 } },
          { name: 'rate', metric: 'requests_total', aggregate: 'rate', allowed: { min: 2 } },
          {
            name: 'query',
            metric: { promql: 'sum by (v) (rate(x[1m]))', cohortLabel: 'v', url: backfilled.prometheus.url },
            allowed: { max: 2 },
          },
        ],
      },
    });
    const problems = await prometheusProblems(refused, source('aa'));
    expect(problems.map((p) => p.check)).toEqual([
      'mean-of-counter',
      'p99-of-counter',
      'peak',
      'typo',
      'query',
    ]);
    expect(problems[0]!.message).toBe(
      'aggregate mean needs the spread of the values for its interval, which only a histogram’s buckets give; requests_total is kept in Prometheus as a plain series (no _bucket, _sum or _count)',
    );
    expect(problems[1]!.message).toContain('aggregate p99 needs the histogram’s buckets');
    expect(problems[2]!.message).toContain('aggregate max needs every observation');
    expect(problems[3]!.message).toContain('no series of reqests_total (or its _bucket, _sum, _count) match');
    expect(problems[4]!.message).toContain('a promql metric is judged live by its query’s value');
    expect(formatReplayProblems(problems)).toMatch(
      /^these checks cannot be replayed from Prometheus: mean-of-counter: /,
    );
    expect(await prometheusProblems(spec('aa'), source('aa'))).toEqual([]);

    const quoted = rolloutSpecSchema.parse({
      ...specInput('aa'),
      spec: { ...specInput('aa').spec, flag: 'f"x', match: { 'service.name': 'a"b' } },
    });
    expect(matchersOf(quoted)).toBe('service_name="a\\"b",feature_flag_key=~"|f\\"x"');
  });
});
