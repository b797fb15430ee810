import { counterOf, ratioOf } from '@rollout-guard/shared/stats';
import { describe, expect, it } from 'vitest';
import {
  eventsInSecond,
  firstActions,
  median,
  ratioTraffic,
  trailingRatioTraffic,
} from './guardrail-simulation.ts';
import {
  absoluteMeanAa,
  absoluteP99Aa,
  absoluteRatioAa,
  guardrailPair,
  timeToRollback,
  trailingRatioAa,
} from './simulation-scenarios.ts';

// Decision quality under continuous monitoring, simulated (seeded) through the real verdict rules. The run
// counts make each claim meaningful and keep the file within about a minute on a quiet 2-core machine;
// `pnpm simulate:decisions` runs the same scenarios with more runs for STATISTICS.md §5.

const ALPHA = 0.05;

describe('the simulation kernel', () => {
  it('spreads fractional rates evenly over seconds', () => {
    expect(Array.from({ length: 4 }, (_, s) => eventsInSecond(2.5, s))).toEqual([2, 3, 2, 3]);
    expect(median([3, 1, Number.POSITIVE_INFINITY])).toBe(3);
    expect(median([1, 2, 3, 4])).toBe(2.5);
  });

  it('acts on the second the rule first acts, per rule, on the same data', () => {
    const rules = guardrailPair({
      metric: { ratio: { numerator: 'e', denominator: 'r' } },
      allowed: { max: 0.03 },
    });
    // 4% errors from the first request: the value rule acts once minSamples are in, the interval rule later
    const traffic = (s: number) => ({
      stats: ratioOf(4 * (s + 1), 100 * (s + 1)),
      seconds: s + 1,
      confidence: 0.95,
    });
    const [byInterval, byValue] = firstActions({ rules, how: 'ratio', seconds: 600 }, traffic);
    expect(byValue).toBe(1);
    expect(byInterval).toBeGreaterThan(1);
    expect(byInterval).toBeLessThan(600);
  });

  it('judges rates with their Poisson interval', () => {
    const [byInterval, byValue] = firstActions(
      {
        rules: guardrailPair({ metric: 'errors_total', aggregate: 'rate', allowed: { max: 5 } }),
        how: 'rate',
        seconds: 300,
      },
      (s) => ({ stats: counterOf(6 * (s + 1)), seconds: s + 1, confidence: 0.95 }),
    );
    expect(byValue).toBeLessThan(byInterval ?? 0);
    expect(byInterval).not.toBeNull();
  });

  it('a trailing window with restarts reads between half and a whole window', () => {
    const seen: number[] = [];
    const traffic = trailingRatioTraffic(() => 0, 10, 0, 0.95, 60, 'restarts');
    for (let s = 0; s < 200; s++) seen.push(traffic(s).seconds);
    // the first window length reads everything since the start; from then on between half and all of it
    expect(seen.slice(0, 59)).toEqual(Array.from({ length: 59 }, (_, s) => s + 1));
    expect(Math.min(...seen.slice(59))).toBeGreaterThanOrEqual(30);
    expect(Math.max(...seen.slice(59))).toBeLessThan(60);
    const sliding = trailingRatioTraffic(() => 0, 10, 0, 0.95, 60, 'sliding');
    for (let s = 0; s < 100; s++) sliding(s);
    expect(sliding(100).seconds).toBe(60);
    expect(ratioTraffic(() => 1, 10, 0.1, 0.95)(0).stats).toEqual(ratioOf(1, 10));
  });
});

describe('A/A with absolute limits: the truth at two thirds of the limit, a decision every second for an hour', () => {
  it('errors / requests at 2 % against max 0.03, 100 requests/s: false rollbacks ≤ 1 − confidence', () => {
    const result = absoluteRatioAa({ runs: 500, seed: 20261206 });
    console.log(`ratio A/A, 500 runs × 3600 s: interval ${pct(result.interval)}, value ${pct(result.value)}`);
    expect(result.interval).toBeLessThanOrEqual(ALPHA);
    // what the value rule costs: about one healthy rollout in five rolled back within the hour
    expect(result.value).toBeGreaterThan(0.15);
  }, 300_000);

  it('errors at exactly the limit (the hardest A/A): the whole interval crosses it in ≤ 1 − confidence of runs', () => {
    const result = absoluteRatioAa({ runs: 200, seed: 303, p: 0.03 });
    console.log(
      `ratio at the limit, 200 runs × 3600 s: interval ${pct(result.interval)}, value ${pct(result.value)}`,
    );
    expect(result.interval).toBeLessThanOrEqual(ALPHA);
    expect(result.value).toBeGreaterThan(0.9);
  }, 300_000);

  it('mean latency at 2/3 of an absolute max, 10 values/s (Welch variance): false rollbacks ≤ 1 − confidence', () => {
    const result = absoluteMeanAa({ runs: 200, seed: 4242 });
    console.log(`mean A/A, 200 runs × 3600 s: interval ${pct(result.interval)}, value ${pct(result.value)}`);
    expect(result.interval).toBeLessThanOrEqual(ALPHA);
  }, 300_000);

  it('p99 latency from explicit buckets at 2/3 of an absolute max, 10 values/s: false rollbacks ≤ 1 − confidence', () => {
    const result = absoluteP99Aa({ runs: 100, seed: 99 });
    console.log(`p99 A/A, 100 runs × 3600 s: interval ${pct(result.interval)}, value ${pct(result.value)}`);
    expect(result.interval).toBeLessThanOrEqual(ALPHA);
    expect(result.value).toBeGreaterThan(result.interval);
  }, 300_000);
});

describe('trailing windows over a 24-hour wave', () => {
  it('window: 1h restarting every 30 minutes, at 2 % against max 0.03, judged every second: false rollbacks ≤ 1 − confidence', () => {
    const result = trailingRatioAa({ runs: 40, seed: 2412, mode: 'restarts', perSecond: 20 });
    console.log(
      `trailing 1h A/A, 40 runs × 86400 s: interval ${pct(result.interval)}, value ${pct(result.value)}`,
    );
    expect(result.interval).toBeLessThanOrEqual(ALPHA);
    expect(result.value).toBeGreaterThan(0.25);
  }, 600_000);
});

describe('power: how soon a real regression is rolled back', () => {
  it('max 0.03 with a true rate of 0.06 at 100 requests/s: rolled back within 2 minutes in ≥ 95 % of runs', () => {
    const result = timeToRollback({ runs: 200, seed: 7, multiple: 2, perSecond: 100, seconds: 300 });
    console.log(
      `2× the limit at 100/s, 200 runs: within 2 min ${pct(result.intervalWithin2Min)}, ` +
        `median ${result.intervalMedian} s (value rule ${result.valueMedian} s)`,
    );
    expect(result.intervalWithin2Min).toBeGreaterThanOrEqual(0.95);
    expect(result.valueMedian).toBeLessThanOrEqual(result.intervalMedian);
  }, 120_000);

  it.each([
    [1.5, 10],
    [5, 10],
    [1.1, 1000],
  ])(
    '%s× the limit at %s requests/s: rolled back within the hour, later than the value rule',
    (multiple, perSecond) => {
      const result = timeToRollback({ runs: 20, seed: 11, multiple, perSecond });
      expect(result.intervalShare).toBeGreaterThanOrEqual(0.9);
      expect(result.intervalMedian).toBeGreaterThanOrEqual(result.valueMedian);
      expect(Number.isFinite(result.intervalMedian)).toBe(true);
    },
    120_000,
  );
});

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}
