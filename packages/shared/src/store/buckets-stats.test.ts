import { describe, expect, it } from 'vitest';
import { aggregate, exponentialIndexOf } from '../stats/index.ts';
import { parseBucketFields, rawSketchField, SAMPLE_SKETCH_SCALE } from './buckets.ts';
import { toCohortStats } from './buckets-stats.ts';

const vector = (fields: Record<string, number>) =>
  parseBucketFields(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)])));

describe('toCohortStats', () => {
  it('gives moments for raw values', () => {
    expect(toCohortStats(vector({ n: 3, s: 6, q: 14, mn: 1, mx: 3, lv: 3, lt: 50 }))).toEqual({
      kind: 'moments',
      count: 3,
      sum: 6,
      sumSquares: 14,
      min: 1,
      max: 3,
      last: { value: 3, time: 50 },
    });
  });

  it('gives a counter increase for counters and when asked for one', () => {
    expect(toCohortStats(vector({ ci: 42 }))).toEqual({ kind: 'counter', increase: 42, resets: 0 });
    expect(toCohortStats(vector({ ci: 42, n: 2, s: 3 }), 'counter')).toEqual({
      kind: 'counter',
      increase: 42,
      resets: 0,
    });
  });

  it('gives an explicit histogram with bounds sorted numerically', () => {
    expect(toCohortStats(vector({ n: 6, s: 9, 'b:10': 1, 'b:2': 2, 'b:+Inf': 3 }))).toEqual({
      kind: 'histogram',
      bounds: [2, 10],
      counts: [2, 1, 3],
      count: 6,
      sum: 9,
      min: null,
      max: null,
    });
  });

  it.each([
    {
      name: 'one tagged layout, as stored',
      fields: { n: 6, s: 9, 'b:AAAAAA:10': 1, 'b:AAAAAA:2': 2, 'b:AAAAAA:+Inf': 3 },
      bounds: [2, 10],
      counts: [2, 1, 3],
    },
    {
      // B's (1, 2] must not be read as (1.5, 2]: both are laid onto the bounds they share.
      name: 'two layouts, on the bounds they share',
      fields: {
        n: 9,
        s: 12,
        'b:AAAAAA:1': 1,
        'b:AAAAAA:1.5': 2,
        'b:AAAAAA:2': 3,
        'b:BBBBBB:1': 1,
        'b:BBBBBB:2': 2,
      },
      bounds: [1, 2],
      counts: [2, 7, 0],
    },
    {
      name: 'untagged fields written before layouts were tagged, as one more layout',
      fields: { n: 5, s: 5, 'b:1': 1, 'b:3': 1, 'b:+Inf': 1, 'b:AAAAAA:1': 1, 'b:AAAAAA:2': 1 },
      bounds: [1],
      counts: [2, 3],
    },
    {
      name: 'layouts sharing no finite bound: one bucket',
      fields: { n: 3, s: 3, 'b:AAAAAA:1': 1, 'b:BBBBBB:2': 1, 'b:BBBBBB:+Inf': 1 },
      bounds: [],
      counts: [3],
    },
  ])('merges explicit histograms of $name', ({ fields, bounds, counts }) => {
    expect(toCohortStats(vector(fields))).toEqual({
      kind: 'histogram',
      bounds,
      counts,
      count: fields.n,
      sum: fields.s,
      min: null,
      max: null,
    });
  });

  it('gives an exponential histogram at the lowest scale stored, folding finer buckets', () => {
    const stats = toCohortStats(vector({ n: 4, s: 10, z: 1, 'e:3:p:9': 1, 'e:2:p:4': 1, 'e:2:n:1': 1 }));
    expect(stats).toMatchObject({
      kind: 'exponential',
      scale: 2,
      zeroCount: 1,
      positive: { offset: 4, counts: [2] },
      negative: { offset: 1, counts: [1] },
    });
  });

  it('gives a quantile sketch of raw values when asked for quantiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    const fields: Record<string, number> = { n: 100, s: 5050 };
    for (const v of values) {
      const f = rawSketchField('p', exponentialIndexOf(v, SAMPLE_SKETCH_SCALE));
      fields[f] = (fields[f] ?? 0) + 1;
    }
    const stats = toCohortStats(vector(fields), 'quantile');
    expect(stats?.kind).toBe('exponential');
    const p90 = aggregate(stats!, { quantile: 0.9 }, { windowSeconds: 1 });
    if (!p90.ok) throw new Error(p90.reason);
    expect(Math.abs(p90.value - 90) / 90).toBeLessThan(0.03);
    expect(aggregate(toCohortStats(vector(fields))!, 'mean', { windowSeconds: 1 })).toEqual({
      ok: true,
      value: 50.5,
    });
  });

  it('says no data for empty buckets', () => {
    expect(toCohortStats(vector({}))).toBeNull();
    expect(toCohortStats(vector({}), 'counter')).toBeNull();
  });
});
