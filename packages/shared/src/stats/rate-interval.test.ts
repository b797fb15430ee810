import poisson from '@stdlib/random-base-poisson';
import { describe, expect, it } from 'vitest';
import { absoluteInterval, compareInterval } from './compare-interval.ts';
import { counterOf } from './counter.ts';
import { histogramOf } from './explicit-histogram.ts';
import { momentsOf } from './moments.ts';
import { mixtureRadius } from './normal-mixture.ts';
import { eventCount, eventInterval } from './rate-interval.ts';
import { ratioOf } from './ratio.ts';

const opts = { confidence: 0.95, windowSeconds: 100 };

describe('eventCount: what is a Poisson count of events', () => {
  it.each([
    ['a counter: its increase, for rate, count and sum', counterOf(120), ['rate', 'count', 'sum'], 120],
    ['a histogram: its observations, not its sum', histogramOf([1, 2], [0.5, 1.5, 3]), ['rate', 'count'], 3],
    ["a ratio: its denominator's count", ratioOf(3, 40), ['count'], 40],
  ] as const)('%s', (_name, stats, aggregates, expected) => {
    for (const how of aggregates) expect(eventCount(stats, how)).toBe(expected);
  });

  it.each([
    ['a gauge read 3 times', momentsOf([1, 2, 3]), 'count'],
    ["a histogram's sum", histogramOf([1], [0.5, 2]), 'sum'],
    ["a ratio's rate", ratioOf(3, 40), 'rate'],
  ] as const)('%s is not', (_name, stats, how) => {
    expect(eventCount(stats, how)).toBeNull();
    const result = eventInterval(stats, how, opts);
    expect(result.status).toBe('unsupported');
  });
});

describe('eventInterval', () => {
  it('a rate: N/T with the normal-mixture radius of a Poisson rate, (N + 1)/T² its variance', () => {
    const result = absoluteInterval(counterOf(1_000), 'rate', opts);
    expect(result.status).toBe('ok');
    if (result.status !== 'ok') return;
    expect(result.estimate).toBe(10);
    expect(result.method).toBe('normal-mixture Poisson rate');
    const r = mixtureRadius({
      variance: 1_001 / 100 ** 2,
      horizonVariance: (1_001 / 100) ** 2 / 20_000,
      alpha: 0.05,
    });
    expect(result.lower).toBeCloseTo(10 - r, 12);
    expect(result.upper).toBeCloseTo(10 + r, 12);
  });

  it("a count is T times its rate's interval", () => {
    const rate = absoluteInterval(counterOf(1_000), 'rate', opts);
    const count = absoluteInterval(counterOf(1_000), 'count', opts);
    if (rate.status !== 'ok' || count.status !== 'ok') throw new Error('expected intervals');
    expect(count.estimate).toBe(1_000);
    expect(count.lower).toBeCloseTo(rate.lower * 100, 9);
    expect(count.upper).toBeCloseTo(rate.upper * 100, 9);
    expect(count.method).toBe('normal-mixture Poisson count');
  });

  it('no events: a finite interval from 0, not zero width', () => {
    const result = absoluteInterval(counterOf(0), 'rate', opts);
    if (result.status !== 'ok') throw new Error('expected an interval');
    expect(result.lower).toBe(0);
    expect(result.upper).toBeGreaterThan(0);
  });

  it('needs the window length', () => {
    expect(absoluteInterval(counterOf(10), 'rate', { confidence: 0.95 }).status).toBe('unsupported');
    expect(absoluteInterval(counterOf(10), 'rate', { ...opts, windowSeconds: 0 }).status).toBe(
      'insufficient',
    );
  });

  it('treatment − control of two rates over the same window', () => {
    const diff = compareInterval(counterOf(2_000), counterOf(1_000), 'rate', {
      ...opts,
      reference: 'control',
    });
    if (diff.status !== 'ok') throw new Error('expected an interval');
    expect(diff.estimate).toBe(10);
    expect(diff.lower).toBeGreaterThan(0);
    const relative = compareInterval(counterOf(2_000), counterOf(1_000), 'rate', { ...opts, relative: true });
    if (relative.status !== 'ok') throw new Error('expected an interval');
    expect(relative.estimate).toBeCloseTo(1, 12);
    expect(relative.method).toBe('normal-mixture relative Poisson rate difference');
  });

  it('against a baseline window of another length: each rate per second of its own window, the baseline fixed', () => {
    // 2,000 events in the treatment's 100 s (20/s) against 36,000 in a 1 h baseline (10/s).
    const baselineOpts = { ...opts, reference: 'baseline' as const, referenceSeconds: 3600 };
    const diff = compareInterval(counterOf(2_000), counterOf(36_000), 'rate', baselineOpts);
    if (diff.status !== 'ok') throw new Error('expected an interval');
    expect(diff.method).toBe('normal-mixture Poisson rate vs fixed baseline');
    expect(diff.estimate).toBeCloseTo(10, 12);
    // The treatment's confidence sequence at α/2, the baseline's fixed interval at α/2:
    // z(1 − α/4) = 2.241402727604947 (scipy.stats.norm.ppf(0.9875)), half-width z·√(N + 1)/T.
    const treatment = eventInterval(counterOf(2_000), 'rate', { confidence: 0.975, windowSeconds: 100 });
    if (treatment.status !== 'ok') throw new Error('expected an interval');
    const half = (2.241402727604947 * Math.sqrt(36_001)) / 3600;
    expect(diff.lower).toBeCloseTo(treatment.lower - (10 + half), 9);
    expect(diff.upper).toBeCloseTo(treatment.upper - (10 - half), 9);

    // A count is the difference in events over the treatment's window: 2,000 against 1,000 expected.
    const count = compareInterval(counterOf(2_000), counterOf(36_000), 'count', baselineOpts);
    if (count.status !== 'ok') throw new Error('expected an interval');
    expect(count.estimate).toBeCloseTo(1_000, 9);
    expect(count.lower).toBeCloseTo(diff.lower * 100, 9);

    const relative = compareInterval(counterOf(2_000), counterOf(36_000), 'rate', {
      ...baselineOpts,
      relative: true,
    });
    if (relative.status !== 'ok') throw new Error('expected an interval');
    expect(relative.method).toBe('normal-mixture relative Poisson rate vs fixed baseline');
    expect(relative.estimate).toBeCloseTo(1, 12);
  });

  it('A/A: a Poisson rate of 20/s judged every second for an hour stays covered in ≥ 95% of 200 runs', () => {
    const draw = poisson.factory({ seed: 151 });
    const runs = 200;
    const lambda = 20;
    let misses = 0;
    for (let run = 0; run < runs; run++) {
      let events = 0;
      for (let s = 1; s <= 3600; s++) {
        events += draw(lambda);
        const r = eventInterval(counterOf(events), 'rate', { confidence: 0.95, windowSeconds: s });
        if (r.status === 'ok' && (r.lower > lambda || r.upper < lambda)) {
          misses += 1;
          break;
        }
      }
    }
    console.log(`Poisson rate A/A, ${runs} runs × 3600 evaluations: interval missed the rate in ${misses}`);
    expect(misses / runs).toBeLessThanOrEqual(0.05);
  });
});
