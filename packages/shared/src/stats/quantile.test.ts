import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { histogramOf } from './explicit-histogram.ts';
import { exponentialOf } from './exponential-histogram.ts';
import {
  bucketAtRank,
  explicitBuckets,
  exponentialBuckets,
  orderStatisticRange,
  quantileOf,
  sampleQuantile,
} from './quantile.ts';
import { emptySamples, observeSample } from './samples.ts';

const prometheus = (bounds: number[], counts: number[]) => ({
  ...histogramOf(bounds, []),
  counts,
  count: counts.reduce((a, b) => a + b, 0),
});

describe('quantiles of explicit-bucket histograms', () => {
  it.each([
    // rank 50 of 100 falls 20/30 into (0.25, 0.5]
    { counts: [10, 20, 30, 25, 15], q: 0.5, value: 0.25 + 0.25 * (20 / 30) },
    // first bucket starts at 0 when its bound is positive, as in Prometheus
    { counts: [10, 20, 30, 25, 15], q: 0.05, value: 0.05 },
    // a rank in the +Inf bucket gives the highest finite bound
    { counts: [10, 20, 30, 25, 15], q: 0.99, value: 1 },
  ])('q=$q → $value', ({ counts, q, value }) => {
    expect(quantileOf(prometheus([0.1, 0.25, 0.5, 1], counts), q)).toBeCloseTo(value, 12);
  });

  it('uses a recorded min and max to close the open buckets', () => {
    const h = histogramOf([1, 2], [0.5, 0.6, 1.5, 5, 9]);
    expect(quantileOf(h, 1)).toBe(9);
    expect(quantileOf(h, 0.99)).toBeLessThanOrEqual(9);
    expect(quantileOf(h, 0.99)).toBeGreaterThan(2);
    expect(quantileOf(h, 0)).toBe(0.5);
  });

  it('has no quantile without observations', () => {
    expect(quantileOf(histogramOf([1], []), 0.5)).toBeNull();
  });

  it('says what a valid quantile is', () => {
    expect(() => quantileOf(histogramOf([1], [1]), 99)).toThrow(/outside \[0, 1\]; p99 is 0.99/);
  });

  it('puts every estimate inside the bucket that holds its rank', () => {
    const bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 20, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, q) => {
          const h = histogramOf(bounds, values);
          const v = quantileOf(h, q)!;
          const found = bucketAtRank(explicitBuckets(h, 'prometheus'), q * h.count)!;
          expect(v).toBeGreaterThanOrEqual(Math.max(found.bucket.lower, h.min!));
          expect(v).toBeLessThanOrEqual(Math.min(found.bucket.upper, h.max!));
        },
      ),
    );
  });
});

describe('quantiles of exponential histograms', () => {
  it('lie inside the bucket that holds the rank, and near the true quantile', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1000, max: 1000, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, q) => {
          const h = exponentialOf(values, 6);
          const v = quantileOf(h, q)!;
          const found = bucketAtRank(exponentialBuckets(h), q * h.count)!;
          expect(v).toBeGreaterThanOrEqual(found.bucket.lower);
          expect(v).toBeLessThanOrEqual(found.bucket.upper);
        },
      ),
    );
  });

  it('orders negative, zero and positive buckets by value', () => {
    const h = exponentialOf([-8, -1, 0, 0, 3], 0);
    const buckets = exponentialBuckets(h).filter((b) => b.count > 0);
    expect(buckets.map((b) => b.upper)).toEqual([-4, -0.5, 0, 4]);
    expect(quantileOf(h, 0.5)).toBe(0);
  });
});

describe('quantiles of raw samples', () => {
  it.each([
    { q: 0, value: 1 },
    { q: 0.5, value: 2.5 },
    { q: 0.25, value: 1.75 },
    { q: 1, value: 4 },
  ])('interpolate between order statistics (type 7): q=$q → $value', ({ q, value }) => {
    expect(sampleQuantile([1, 2, 3, 4], q)).toBe(value);
  });

  it('read the kept values of a bounded sample', () => {
    const s = [5, 1, 3].reduce((acc, v, i) => observeSample(acc, v, i / 10), emptySamples(10));
    expect(quantileOf(s, 0.5)).toBe(3);
    expect(orderStatisticRange(s, 1)).toEqual({ lower: 1, upper: 1 });
    expect(orderStatisticRange(s, 4).upper).toBe(Number.POSITIVE_INFINITY);
  });
});
