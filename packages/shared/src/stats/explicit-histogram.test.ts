import { describe, expect, it } from 'vitest';
import { bucketIndexOf, histogramOf, mergeHistograms, rebucket } from './explicit-histogram.ts';

describe('explicit-bucket histogram', () => {
  it.each([
    { value: -5, index: 0 },
    { value: 0.1, index: 0 },
    { value: 0.10000001, index: 1 },
    { value: 0.5, index: 1 },
    { value: 1, index: 2 },
    { value: 99, index: 3 },
  ])('puts $value in bucket $index (upper bounds are inclusive, as le is)', ({ value, index }) => {
    expect(bucketIndexOf([0.1, 0.5, 1], value)).toBe(index);
  });

  it('adds counts when the bounds match', () => {
    const a = histogramOf([1, 2], [0.5, 1.5, 3]);
    const b = histogramOf([1, 2], [1, 2, 2]);
    expect(mergeHistograms(a, b)).toEqual({
      kind: 'histogram',
      bounds: [1, 2],
      counts: [2, 3, 1],
      count: 6,
      sum: 10,
      min: 0.5,
      max: 3,
    });
  });

  it('re-buckets onto the shared bounds when they differ, losing resolution but no counts', () => {
    const a = histogramOf([0.1, 0.25, 0.5, 1], [0.05, 0.2, 0.3, 0.7, 2]);
    const b = histogramOf([0.1, 0.5, 2], [0.05, 0.4, 1.5, 3]);
    const m = mergeHistograms(a, b);
    expect(m.bounds).toEqual([0.1, 0.5]);
    // a: (−∞,0.1]=1 (0.1,0.5]=2 (0.5,∞)=2 ; b: 1, 1, 2
    expect(m.counts).toEqual([2, 3, 4]);
    expect(m.count).toBe(9);
  });

  it('leaves only the +Inf bucket when no bound is shared', () => {
    const a = histogramOf([1], [0.5, 2]);
    expect(rebucket(a, [])).toEqual([2]);
    expect(mergeHistograms(a, histogramOf([3], [4])).counts).toEqual([3]);
  });

  it('does not invent a min or max when one side lacks it (Prometheus histograms)', () => {
    const withExtremes = histogramOf([1], [0.5]);
    const prometheus = { ...histogramOf([1], [2]), min: null, max: null };
    expect(mergeHistograms(withExtremes, prometheus).max).toBeNull();
    expect(mergeHistograms(withExtremes, histogramOf([1], [])).max).toBe(0.5);
  });
});
