import { describe, expect, it } from 'vitest';
import { cumulativeHistogramIncrease, cumulativeIncrease } from './counter.ts';
import { histogramOf } from './explicit-histogram.ts';

describe('counter increases from cumulative values', () => {
  it.each([
    { name: 'first point', prev: undefined, next: { value: 50 }, increase: 0, reset: false },
    { name: 'growth', prev: { value: 50 }, next: { value: 80 }, increase: 30, reset: false },
    { name: 'flat', prev: { value: 80 }, next: { value: 80 }, increase: 0, reset: false },
    { name: 'lower value is a reset', prev: { value: 80 }, next: { value: 5 }, increase: 5, reset: true },
    {
      name: 'new start time is a reset even when higher',
      prev: { value: 80, startTime: 1 },
      next: { value: 90, startTime: 2 },
      increase: 90,
      reset: true,
    },
    {
      name: 'same start time',
      prev: { value: 80, startTime: 1 },
      next: { value: 90, startTime: 1 },
      increase: 10,
      reset: false,
    },
  ])('$name', ({ prev, next, increase, reset }) => {
    expect(cumulativeIncrease(prev, next)).toEqual({ increase, reset });
  });

  it('sums increases across a reset the way Prometheus increase() does', () => {
    const series = [10, 15, 30, 4, 9, 9, 20];
    let prev: { value: number } | undefined;
    let total = 0;
    for (const value of series) {
      total += cumulativeIncrease(prev, { value }).increase;
      prev = { value };
    }
    expect(total).toBe(5 + 15 + 4 + 5 + 0 + 11);
  });
});

describe('cumulative histogram increases', () => {
  const bounds = [1, 2];
  it('subtracts bucket by bucket', () => {
    const prev = histogramOf(bounds, [0.5, 1.5]);
    const next = histogramOf(bounds, [0.5, 1.5, 1.5, 3, 0.2]);
    const { histogram, reset } = cumulativeHistogramIncrease({ histogram: prev }, { histogram: next });
    expect(reset).toBe(false);
    expect(histogram.counts).toEqual([1, 1, 1]);
    expect(histogram.count).toBe(3);
    expect(histogram.sum).toBeCloseTo(4.7, 12);
  });

  it.each([
    { name: 'a lower bucket', next: histogramOf(bounds, [1.5, 1.5, 1.5]), startTime: 1 },
    { name: 'a new start time', next: histogramOf(bounds, [0.5, 1.5, 3]), startTime: 2 },
    { name: 'new bounds', next: histogramOf([1, 5], [0.5, 1.5, 3]), startTime: 1 },
  ])('treats $name as a restart and takes the new histogram whole', ({ next, startTime }) => {
    const prev = histogramOf(bounds, [0.5, 1.5]);
    const out = cumulativeHistogramIncrease(
      { histogram: prev, startTime: 1 },
      { histogram: next, startTime },
    );
    expect(out.reset).toBe(true);
    expect(out.histogram.counts).toEqual(next.counts);
  });

  it('starts a series at zero', () => {
    const out = cumulativeHistogramIncrease(undefined, { histogram: histogramOf(bounds, [1, 3]) });
    expect(out.histogram.counts).toEqual([0, 0, 0]);
    expect(out.histogram.count).toBe(0);
  });
});
