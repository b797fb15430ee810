import { describe, expect, it } from 'vitest';
import {
  downscaleExponential,
  emptyExponential,
  exponentialIndexOf,
  exponentialLowerBoundary,
  exponentialOf,
  mergeExponential,
} from './exponential-histogram.ts';

describe('exponential histogram', () => {
  it.each([
    // scale 0: base 2, bucket i is (2^i, 2^(i+1)]
    { value: 1, scale: 0, index: -1 },
    { value: 2, scale: 0, index: 0 },
    { value: 3, scale: 0, index: 1 },
    { value: 4, scale: 0, index: 1 },
    { value: 4.01, scale: 0, index: 2 },
    // scale 1: base √2
    { value: 1.5, scale: 1, index: 1 },
    { value: 2, scale: 1, index: 1 },
    // scale −1: base 4
    { value: 5, scale: -1, index: 1 },
    { value: 0.3, scale: -1, index: -1 },
  ])('indexes $value at scale $scale into bucket $index', ({ value, scale, index }) => {
    expect(exponentialIndexOf(value, scale)).toBe(index);
    expect(exponentialLowerBoundary(index, scale)).toBeLessThan(value);
    expect(exponentialLowerBoundary(index + 1, scale)).toBeGreaterThanOrEqual(value);
  });

  it('counts zero, positive and negative values apart', () => {
    const h = exponentialOf([0, 3, -3, 4, -0.5], 0);
    expect(h.zeroCount).toBe(1);
    expect(h.positive).toEqual({ offset: 1, counts: [2] });
    // −0.5 is in bucket −2, (1/4, 1/2]; −3 in bucket 1, (2, 4]
    expect(h.negative).toEqual({ offset: -2, counts: [1, 0, 0, 1] });
    expect(h).toMatchObject({ count: 5, sum: 3.5, min: -3, max: 4 });
  });

  it('downscales by folding neighbours: index i becomes i >> 1', () => {
    const h = { ...emptyExponential(2), positive: { offset: -3, counts: [1, 2, 3, 4, 5] }, count: 15 };
    // indices −3..1 → −2,−1,−1,0,0
    expect(downscaleExponential(h, 1).positive).toEqual({ offset: -2, counts: [1, 5, 9] });
    expect(downscaleExponential(h, 1).scale).toBe(1);
  });

  it('merges at the lower scale', () => {
    const fine = exponentialOf([1.5, 3], 3);
    const coarse = exponentialOf([1.5, 3], 1);
    const m = mergeExponential(fine, coarse);
    expect(m.scale).toBe(1);
    expect(m.positive).toEqual(mergeExponential(coarse, coarse).positive);
  });

  it('downscales on its own to stay within the bucket limit', () => {
    const h = exponentialOf([0.001, 1, 1000, 1e6], 20, 8);
    const span = h.positive.counts.length;
    expect(span).toBeLessThanOrEqual(8);
    expect(h.positive.counts.reduce((a, b) => a + b)).toBe(4);
    // one scale higher would not fit: the merge picks the finest scale that does
    const finer = (h.positive.offset + span - 1) * 2 + 1 - h.positive.offset * 2 + 1;
    expect(finer).toBeGreaterThan(8);
  });

  it('moves buckets inside a larger zero threshold into the zero count', () => {
    const a = exponentialOf([0.001, 0.5, 5], 0);
    const b = { ...emptyExponential(0), zeroThreshold: 1 };
    const m = mergeExponential(a, b);
    expect(m.zeroThreshold).toBe(1);
    expect(m.zeroCount).toBe(2);
    expect(m.positive.counts.reduce((x, y) => x + y)).toBe(1);
    expect(m.count).toBe(3);
  });

  it('refuses to upscale', () => {
    expect(() => downscaleExponential(emptyExponential(0), -1)).toThrow(/only lose resolution/);
  });
});
