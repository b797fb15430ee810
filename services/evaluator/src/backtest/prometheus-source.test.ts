import { rolloutSpecSchema } from '@rollout-guard/shared/spec';
import { startPrometheus, type TestPrometheus } from '@rollout-guard/shared/testing';
import binomial from '@stdlib/random-base-binomial';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktest } from './backtest.ts';
import { matchersOf, prometheusSource, prometheusUnsupported } from './prometheus-source.ts';

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
  return rolloutSpecSchema.parse({
    apiVersion: 'rollout-guard/v1',
    kind: 'Rollout',
    metadata: { name: `backtest-${scenario}` },
    spec: {
      flag: 'new-checkout',
      match: { scenario },
      waves: [
        { percent: 50, bake: '20m' },
        { percent: 100, bake: '20m' },
      ],
      approval: 'auto',
      guardrails: [
        {
          name: 'errors',
          metric: { ratio: { numerator: 'errors_total', denominator: 'requests_total' } },
          compare: 'control',
          allowed: { max: 0.005 },
        },
      ],
    },
  });
}

let prometheus: TestPrometheus;
beforeAll(async () => {
  prometheus = await startPrometheus({ openmetrics: openmetrics() });
}, 60_000);
afterAll(async () => {
  await prometheus?.stop();
});

const source = (scenario: string, split?: { label: string; treatment: string; control: string }) =>
  prometheusSource({
    url: prometheus.url,
    spec: spec(scenario),
    from: START,
    to: START + HOURS * 60 * MINUTE,
    stepMs: MINUTE,
    ...(split === undefined ? {} : { split }),
  });

describe('backtests against a real Prometheus filled with known data', () => {
  it('on data with no real difference: every run completes, a false-rollback rate of 0', async () => {
    const report = await runBacktest({
      spec: spec('aa'),
      from: START,
      to: START + HOURS * 60 * MINUTE,
      intervalMs: MINUTE,
      runs: 3,
      noRealDifference: true,
      source: source('aa'),
    });
    expect(report.runs.map((r) => r.phase)).toEqual(['wave', 'wave', 'wave'].map(() => 'completed'));
    expect(report.falseRollbackRate).toBe(0);
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

  it('says which checks it cannot replay from Prometheus, and quotes label values in its selector', () => {
    const withMean = rolloutSpecSchema.parse({
      ...spec('aa'),
      spec: {
        flag: 'f"x',
        match: { 'service.name': 'a"b' },
        guardrails: [{ name: 'latency', metric: 'latency_seconds', aggregate: 'mean', allowed: { max: 2 } }],
      },
    });
    expect(prometheusUnsupported(withMean)).toEqual([
      "latency: aggregate mean cannot be replayed from Prometheus (only ratio checks of two counters can); replay it from the collector's stored data instead",
    ]);
    expect(prometheusUnsupported(spec('aa'))).toEqual([]);
    expect(matchersOf(withMean)).toBe('service_name="a\\"b",feature_flag_key=~"|f\\"x"');
  });
});
