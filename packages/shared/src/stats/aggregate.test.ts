import { describe, expect, it } from 'vitest';
import { type Aggregation, aggregate } from './aggregate.ts';
import type { CohortStats } from './cohort-stats.ts';
import { counterOf } from './counter.ts';
import { histogramOf } from './explicit-histogram.ts';
import { emptyMoments, momentsOf } from './moments.ts';
import { ratioOf } from './ratio.ts';
import { emptySamples, observeSample } from './samples.ts';

const ctx = { windowSeconds: 60 };

describe('aggregates', () => {
  it.each<{ stats: CohortStats; how: Aggregation; value: number }>([
    { stats: momentsOf([1, 2, 6], 99), how: 'mean', value: 3 },
    { stats: momentsOf([1, 2, 6]), how: 'sum', value: 9 },
    { stats: momentsOf([1, 2, 6]), how: 'count', value: 3 },
    { stats: momentsOf([1, 2, 6]), how: 'rate', value: 9 / 60 },
    { stats: momentsOf([1, 2, 6]), how: 'min', value: 1 },
    { stats: momentsOf([1, 2, 6]), how: 'max', value: 6 },
    { stats: momentsOf([1, 2, 6], 99), how: 'last', value: 6 },
    { stats: histogramOf([1, 2], [0.5, 1.5, 3]), how: 'mean', value: 5 / 3 },
    { stats: histogramOf([1, 2], [0.5, 1.5, 3]), how: 'rate', value: 3 / 60 },
    { stats: histogramOf([1, 2], [0.5, 1.5, 3]), how: { quantile: 0.5 }, value: 1.5 },
    { stats: counterOf(120), how: 'rate', value: 2 },
    { stats: counterOf(120), how: 'sum', value: 120 },
    { stats: ratioOf(3, 200), how: 'ratio', value: 0.015 },
    { stats: ratioOf(3, 200), how: 'count', value: 200 },
    { stats: observeSample(emptySamples(), 4, 0.5), how: { quantile: 0.99 }, value: 4 },
  ])('$how of $stats.kind', ({ stats, how, value }) => {
    const r = aggregate(stats, how, ctx);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value).toBeCloseTo(value, 12);
  });

  it.each<{ stats: CohortStats; how: Aggregation; reason: RegExp }>([
    { stats: emptyMoments(), how: 'mean', reason: /no data/ },
    { stats: ratioOf(0, 0), how: 'ratio', reason: /denominator did not increase/ },
    { stats: momentsOf([1]), how: { quantile: 0.99 }, reason: /quantiles need a histogram or raw samples/ },
    { stats: counterOf(3), how: 'mean', reason: /counter gives sum/ },
    { stats: { ...histogramOf([1], [2]), max: null }, how: 'max', reason: /carries no max/ },
    { stats: momentsOf([1]), how: 'rate', reason: /.*/ },
  ])('refuses $how of $stats.kind with a reason', ({ stats, how, reason }) => {
    const r = aggregate(stats, how, how === 'rate' ? { windowSeconds: 0 } : ctx);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});
