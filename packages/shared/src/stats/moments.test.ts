import { describe, expect, it } from 'vitest';
import {
  emptyMoments,
  mergeMoments,
  momentsMean,
  momentsOf,
  momentsVariance,
  observeMoments,
} from './moments.ts';

describe('moments', () => {
  it('keeps count, sum, sum of squares, min and max', () => {
    const m = momentsOf([3, -1, 4, 1, 5]);
    expect(m).toMatchObject({ count: 5, sum: 12, sumSquares: 52, min: -1, max: 5 });
    expect(momentsMean(m)).toBe(2.4);
    expect(momentsVariance(m)).toBeCloseTo((52 - (12 * 12) / 5) / 4, 12);
  });

  it.each([
    { values: [], mean: null, variance: null },
    { values: [7], mean: 7, variance: null },
    { values: [2, 2, 2], mean: 2, variance: 0 },
  ])('gives no mean or variance it cannot: $values', ({ values, mean, variance }) => {
    const m = momentsOf(values);
    expect(momentsMean(m)).toBe(mean);
    expect(momentsVariance(m)).toBe(variance);
  });

  it('never returns a negative variance when the mean dwarfs the spread', () => {
    const m = momentsOf([1e9 + 0.1, 1e9 + 0.1, 1e9 + 0.1]);
    expect(momentsVariance(m)).toBeGreaterThanOrEqual(0);
  });

  it('is JSON-safe while empty (no Infinity)', () => {
    expect(JSON.parse(JSON.stringify(emptyMoments()))).toEqual(emptyMoments());
  });

  it('merges last by timestamp, and by value on a tie so the order does not matter', () => {
    const a = observeMoments(emptyMoments(), 10, 1000);
    const b = observeMoments(emptyMoments(), 20, 2000);
    const c = observeMoments(emptyMoments(), 30, 2000);
    expect(mergeMoments(a, b).last).toEqual({ value: 20, time: 2000 });
    expect(mergeMoments(b, a).last).toEqual({ value: 20, time: 2000 });
    expect(mergeMoments(b, c).last).toEqual(mergeMoments(c, b).last);
    expect(mergeMoments(b, c).last?.value).toBe(30);
    expect(mergeMoments(emptyMoments(), a).last).toEqual({ value: 10, time: 1000 });
  });
});
