import { describe, expect, it } from 'vitest';
import { aggregate, type ExplicitHistogram, exponentialIndexOf, histogramOf } from '../stats/index.ts';
import {
  cumulativeBucketField,
  emptyBucketVector,
  explicitBucketField,
  explicitLayout,
  mergeBucketVector,
  parseBucketFields,
  rawSketchField,
  SAMPLE_SKETCH_SCALE,
} from './buckets.ts';
import { type StatsWanted, toCohortStats } from './buckets-stats.ts';

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

const INF = Number.POSITIVE_INFINITY;
/** Prometheus client libraries' default buckets. */
const DEFAULT_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A histogram as the collector stores an OTLP point: per-bucket counts of one layout, with n and s. */
function explicitFields(h: ExplicitHistogram): Record<string, number> {
  const layout = explicitLayout(h.bounds);
  const fields: Record<string, number> = { n: h.count, s: h.sum };
  h.counts.forEach((count, i) => {
    fields[explicitBucketField(layout, h.bounds[i] ?? INF)] = count;
  });
  return fields;
}

/** The same histogram as the collector stores Prometheus' series: cumulative counts per le, n and s. */
function cumulativeFields(h: ExplicitHistogram): Record<string, number> {
  const fields: Record<string, number> = { n: h.count, s: h.sum };
  let atOrBelow = 0;
  h.counts.forEach((count, i) => {
    atOrBelow += count;
    fields[cumulativeBucketField(h.bounds[i] ?? INF)] = atOrBelow;
  });
  return fields;
}

/** Observations spread over (0, 12] unevenly, deterministic. */
function latencies(count: number, seed: number): number[] {
  return Array.from({ length: count }, (_, i) => {
    const u = (((i + 1) * 7919 + seed * 104_729) % 10_007) / 10_007;
    return Math.round(12 * u ** 3 * 1e6) / 1e6 + 0.001;
  });
}

function quantile(fields: Record<string, number>, q: number): number {
  const stats = toCohortStats(vector(fields), 'quantile');
  if (stats === null) throw new Error('no data');
  const result = aggregate(stats, { quantile: q }, { windowSeconds: 10 });
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}

describe('toCohortStats of classic Prometheus buckets (c:<le>)', () => {
  it.each([
    {
      name: 'cumulative counts, as per-bucket counts',
      fields: { n: 6, s: 4, 'c:0.5': 2, 'c:1': 5, 'c:+Inf': 6 },
      bounds: [0.5, 1],
      counts: [2, 3, 1],
      count: 6,
    },
    {
      name: 'bounds sorted numerically',
      fields: { n: 6, s: 4, 'c:10': 5, 'c:2': 2, 'c:+Inf': 6 },
      bounds: [2, 10],
      counts: [2, 3, 1],
      count: 6,
    },
    {
      name: 'only c: fields, before the _count series arrived: the count is the buckets total',
      fields: { 'c:0.5': 2, 'c:1': 5, 'c:+Inf': 6 },
      bounds: [0.5, 1],
      counts: [2, 3, 1],
      count: 6,
    },
    {
      name: 'a lower count than the bound below, raised to it (monotonicity repair)',
      fields: { n: 6, s: 4, 'c:0.5': 4, 'c:1': 3, 'c:2': 6, 'c:5': 5, 'c:+Inf': 6 },
      bounds: [0.5, 1, 2, 5],
      counts: [4, 0, 2, 0, 0],
      count: 6,
    },
    {
      name: 'a +Inf count below the highest finite one, raised to it',
      fields: { n: 5, s: 4, 'c:0.5': 2, 'c:1': 5, 'c:+Inf': 4 },
      bounds: [0.5, 1],
      counts: [2, 3, 0],
      count: 5,
    },
    {
      name: 'a negative sum counted as none',
      fields: { n: 2, s: 1, 'c:0.5': -1, 'c:1': 2, 'c:+Inf': 2 },
      bounds: [0.5, 1],
      counts: [0, 2, 0],
      count: 2,
    },
    {
      name: 'no +Inf field: +Inf holds what n counts above the highest bound',
      fields: { n: 10, s: 9, 'c:0.5': 2, 'c:1': 5 },
      bounds: [0.5, 1],
      counts: [2, 3, 5],
      count: 10,
    },
    {
      name: 'no +Inf field and n below the highest count: +Inf is empty',
      fields: { n: 3, s: 2, 'c:0.5': 2, 'c:1': 5 },
      bounds: [0.5, 1],
      counts: [2, 3, 0],
      count: 3,
    },
    {
      name: 'no +Inf field and no n: the highest count is the total',
      fields: { 'c:0.5': 2, 'c:1': 5 },
      bounds: [0.5, 1],
      counts: [2, 3, 0],
      count: 5,
    },
    {
      name: 'only the +Inf series so far: one bucket',
      fields: { n: 3, s: 2, 'c:+Inf': 3 },
      bounds: [],
      counts: [3],
      count: 3,
    },
    {
      // The b: layout holds 4 of n's 9 observations, so +Inf of the c: layout is 9 − 4 = 5, not 9;
      // both are laid onto the bounds they share, [1, 2]: b [1, 2, 1] + c [2, 2, 1].
      name: 'beside a b: layout, merged onto the bounds they share',
      fields: {
        n: 9,
        s: 10,
        'b:AAAAAA:1': 1,
        'b:AAAAAA:2': 2,
        'b:AAAAAA:+Inf': 1,
        'c:1': 2,
        'c:1.5': 3,
        'c:2': 4,
      },
      bounds: [1, 2],
      counts: [3, 4, 2],
      count: 9,
    },
    {
      name: 'beside a b: layout of the same bounds, added bucket by bucket',
      fields: { n: 7, s: 10, 'b:AAAAAA:1': 1, 'b:AAAAAA:+Inf': 2, 'c:1': 3, 'c:+Inf': 4 },
      bounds: [1],
      counts: [4, 3],
      count: 7,
    },
  ])('$name', ({ fields, bounds, counts, count }) => {
    expect(toCohortStats(vector(fields))).toEqual({
      kind: 'histogram',
      bounds,
      counts,
      count,
      sum: fields.s ?? 0,
      min: null,
      max: null,
    });
  });

  it.each<StatsWanted>(['auto', 'counter', 'quantile'])(
    'reads as the per-bucket histogram does when %s is wanted',
    (wanted) => {
      const h = histogramOf(DEFAULT_BOUNDS, latencies(300, 1));
      for (const withCount of [true, false]) {
        const strip = (f: Record<string, number>) => {
          if (withCount) return f;
          const { n: _n, s: _s, ...buckets } = f;
          return buckets;
        };
        expect(toCohortStats(vector(strip(cumulativeFields(h))), wanted)).toEqual(
          toCohortStats(vector(strip(explicitFields(h))), wanted),
        );
      }
    },
  );

  it.each([
    { name: 'default buckets', bounds: DEFAULT_BOUNDS, seed: 1 },
    { name: 'default buckets, another sample', bounds: DEFAULT_BOUNDS, seed: 2 },
    { name: 'few wide buckets', bounds: [0.1, 1, 10], seed: 3 },
    { name: 'linear buckets', bounds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], seed: 4 },
  ])('gives the quantiles of the equivalent b: histogram ($name)', ({ bounds, seed }) => {
    const h = histogramOf(bounds, latencies(500, seed));
    const fromCumulative = cumulativeFields(h);
    const fromExplicit = explicitFields(h);
    for (const q of [0.01, 0.5, 0.9, 0.95, 0.99, 1]) {
      const got = quantile(fromCumulative, q);
      expect(got).toBe(quantile(fromExplicit, q));
      // And what histogram_quantile gives: inside the bucket that holds rank q·count.
      const rank = q * h.count;
      let before = 0;
      const i = h.counts.findIndex((c) => {
        if (c > 0 && before + c >= rank) return true;
        before += c;
        return false;
      });
      const lower = i === 0 ? 0 : h.bounds[i - 1]!;
      const upper = h.bounds[Math.min(i, h.bounds.length - 1)]!;
      expect(got).toBeGreaterThanOrEqual(lower);
      expect(got).toBeLessThanOrEqual(upper);
    }
  });

  /** Sums fields key by key, as HINCRBYFLOAT into one bucket would. */
  function summed(parts: ReadonlyArray<Record<string, number>>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const part of parts) for (const [k, v] of Object.entries(part)) out[k] = (out[k] ?? 0) + v;
    return out;
  }

  it.each([
    {
      name: 'every series in every bucket',
      buckets: [
        { n: 3, s: 1.5, 'c:0.5': 1, 'c:1': 2, 'c:+Inf': 3 },
        { n: 4, s: 2, 'c:0.5': 2, 'c:1': 3, 'c:+Inf': 4 },
        { n: 1, s: 0.25, 'c:0.5': 1, 'c:1': 1, 'c:+Inf': 1 },
      ],
      counts: [4, 2, 2],
    },
    {
      // Shards: le="1" of the first scrape lands in the next 10 s bucket, _count in the one after.
      name: 'series of one scrape landing in different buckets',
      buckets: [
        { s: 1.5, 'c:0.5': 1, 'c:+Inf': 3 },
        { n: 4, s: 2, 'c:0.5': 2, 'c:1': 5, 'c:+Inf': 4 },
        { n: 4, s: 0.25, 'c:0.5': 1, 'c:1': 1, 'c:+Inf': 1 },
      ],
      counts: [4, 2, 2],
    },
    {
      name: 'no +Inf series and a late _count',
      buckets: [{ 'c:0.5': 1, 'c:1': 2 }, { 'c:0.5': 3 }, { n: 8, s: 3, 'c:1': 4 }],
      counts: [4, 2, 2],
    },
    {
      name: 'empty buckets between',
      buckets: [{}, { n: 8, s: 3, 'c:0.5': 4, 'c:1': 6, 'c:+Inf': 8 }, {}],
      counts: [4, 2, 2],
    },
  ])('over a window of 10 s buckets, as one bucket holding the sums ($name)', ({ buckets, counts }) => {
    const window = buckets.map(vector).reduce(mergeBucketVector, emptyBucketVector());
    const stats = toCohortStats(window);
    expect(stats).toEqual(toCohortStats(vector(summed(buckets))));
    expect(stats).toMatchObject({ kind: 'histogram', bounds: [0.5, 1], counts, count: 8 });
    for (const q of [0.25, 0.5, 0.9]) {
      expect(aggregate(stats!, { quantile: q }, { windowSeconds: 30 })).toEqual(
        aggregate(toCohortStats(vector(summed(buckets)))!, { quantile: q }, { windowSeconds: 30 }),
      );
    }
  });
});
