import { describe, expect, it } from 'vitest';
import { emptySamples, mergeSamples, observeSample, sortedSampleValues } from './samples.ts';

describe('bounded raw samples', () => {
  it('keep everything below capacity', () => {
    const s = [3, 1, 2].reduce((acc, v, i) => observeSample(acc, v, i / 3), emptySamples(5));
    expect(s.count).toBe(3);
    expect(sortedSampleValues(s)).toEqual([1, 2, 3]);
  });

  it('keep the smallest keys above capacity, and count everything observed', () => {
    const s = [10, 20, 30, 40].reduce(
      (acc, v, i) => observeSample(acc, v, [0.9, 0.1, 0.5, 0.3][i]!),
      emptySamples(2),
    );
    expect(s.count).toBe(4);
    expect(sortedSampleValues(s)).toEqual([20, 40]);
  });

  it('merge down to the smaller capacity', () => {
    const a = observeSample(observeSample(emptySamples(3), 1, 0.2), 2, 0.4);
    const b = observeSample(emptySamples(1), 3, 0.1);
    const m = mergeSamples(a, b);
    expect(m.capacity).toBe(1);
    expect(m.items).toEqual([{ key: 0.1, value: 3 }]);
    expect(m.count).toBe(3);
  });

  it('stay a uniform sample: each value is kept about capacity/n of the time', () => {
    let kept = 0;
    for (let trial = 0; trial < 2000; trial++) {
      let s = emptySamples(10);
      for (let v = 0; v < 100; v++) s = observeSample(s, v);
      if (s.items.some((i) => i.value === 0)) kept += 1;
    }
    // expected 200 (10%); binomial sd ≈ 13.4, so ±60 is > 4 sd
    expect(kept).toBeGreaterThan(140);
    expect(kept).toBeLessThan(260);
  });
});
