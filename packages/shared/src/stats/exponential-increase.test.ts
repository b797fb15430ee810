import { describe, expect, it } from 'vitest';
import { exponentialOf } from './exponential-histogram.ts';
import { cumulativeExponentialIncrease } from './exponential-increase.ts';

describe('cumulative exponential histogram increases', () => {
  it('subtracts bucket by bucket', () => {
    const prev = exponentialOf([0, 1.5, 3], 0);
    const next = exponentialOf([0, 1.5, 3, 0, 3.5, -2], 0);
    const { histogram, reset } = cumulativeExponentialIncrease({ histogram: prev }, { histogram: next });
    expect(reset).toBe(false);
    expect(histogram).toMatchObject({ count: 3, zeroCount: 1, sum: 1.5, scale: 0 });
    expect(histogram.positive.counts.reduce((a, b) => a + b)).toBe(1);
    expect(histogram.negative.counts.reduce((a, b) => a + b)).toBe(1);
  });

  it('follows a stream whose scale dropped between points', () => {
    const prev = exponentialOf([1.1, 1.3], 4);
    const next = exponentialOf([1.1, 1.3, 1.2, 100], 1);
    const { histogram, reset } = cumulativeExponentialIncrease({ histogram: prev }, { histogram: next });
    expect(reset).toBe(false);
    expect(histogram.scale).toBe(1);
    expect(histogram.count).toBe(2);
    expect(histogram.positive.counts.reduce((a, b) => a + b)).toBe(2);
  });

  it.each([
    { name: 'a lower count', next: exponentialOf([1.5], 0), startTime: 1 },
    { name: 'a shrunken bucket', next: exponentialOf([0, 3, 3, 3], 0), startTime: 1 },
    { name: 'a new start time', next: exponentialOf([0, 1.5, 3, 5], 0), startTime: 2 },
  ])('treats $name as a restart', ({ next, startTime }) => {
    const prev = exponentialOf([0, 1.5, 3], 0);
    const out = cumulativeExponentialIncrease(
      { histogram: prev, startTime: 1 },
      { histogram: next, startTime },
    );
    expect(out.reset).toBe(true);
    expect(out.histogram).toEqual(next);
  });

  it('starts a series empty', () => {
    const out = cumulativeExponentialIncrease(undefined, { histogram: exponentialOf([2, 3], 2) });
    expect(out.histogram.count).toBe(0);
    expect(out.histogram.scale).toBe(2);
  });
});
