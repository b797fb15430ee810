import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CohortStats,
  cohortStatsSchema,
  mergeAll,
  mergeCohortStats,
  sampleCount,
} from './cohort-stats.ts';
import { counterOf } from './counter.ts';
import { histogramOf } from './explicit-histogram.ts';
import { downscaleExponential, exponentialOf } from './exponential-histogram.ts';
import { momentsOf } from './moments.ts';
import { ratioOf } from './ratio.ts';
import { emptySamples, observeSample } from './samples.ts';

/**
 * Merges `items` in an arbitrary order and grouping: `picks` choose which two of the pool to merge
 * next and in which order, until one is left. Every binary tree over every permutation is
 * reachable this way.
 */
function mergeInTree<T extends CohortStats>(items: readonly T[], picks: readonly number[]): T {
  const pool = [...items];
  let p = 0;
  const next = () => picks[p++ % picks.length] ?? 0;
  while (pool.length > 1) {
    const i = next() % pool.length;
    const [x] = pool.splice(i, 1);
    const j = next() % pool.length;
    const [y] = pool.splice(j, 1);
    pool.push(next() % 2 === 0 ? mergeCohortStats(x!, y!) : mergeCohortStats(y!, x!));
  }
  return pool[0]!;
}

const picks = fc.array(fc.nat(), { minLength: 1, maxLength: 40 });
const ints = fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 20 });

function sameByAnyTree<T extends CohortStats>(
  items: fc.Arbitrary<T[]>,
  check = (a: T, b: T) => expect(a).toEqual(b),
) {
  fc.assert(
    fc.property(items, picks, picks, (xs, p1, p2) => {
      fc.pre(xs.length > 0);
      check(mergeInTree(xs, p1), mergeInTree(xs, p2));
    }),
  );
}

describe('merging in any order and grouping gives the same statistics', () => {
  it('moments of integers: exactly', () => {
    sameByAnyTree(
      fc.array(
        ints.map((v) => momentsOf(v)),
        { maxLength: 8 },
      ),
    );
  });

  it('moments of doubles: within a relative 1e-12 on sums (floating addition does not associate)', () => {
    const doubles = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 20 });
    sameByAnyTree(
      fc.array(
        doubles.map((v) => momentsOf(v)),
        { maxLength: 8 },
      ),
      (a, b) => {
        expect(a.count).toBe(b.count);
        expect(a.min).toBe(b.min);
        expect(a.max).toBe(b.max);
        const scale = 1e6 * 20 * 8;
        expect(Math.abs(a.sum - b.sum)).toBeLessThanOrEqual(1e-12 * scale + 1e-9);
        expect(Math.abs(a.sumSquares - b.sumSquares)).toBeLessThanOrEqual(1e-12 * scale * 1e6);
      },
    );
  });

  it('moments keep the latest last value whatever the order', () => {
    const stamped = fc
      .array(fc.tuple(fc.integer({ min: -9, max: 9 }), fc.integer({ min: 0, max: 5 })), {
        minLength: 1,
        maxLength: 5,
      })
      .map((pairs) => pairs.map(([v, t]) => momentsOf([v], t)));
    sameByAnyTree(stamped);
  });

  it('explicit histograms with equal and with different bounds: exactly', () => {
    const layouts = [
      [0.1, 0.5, 1, 5],
      [0.1, 1, 5],
      [0.5, 1, 2.5, 5],
      [1, 10],
    ];
    const hist = fc
      .tuple(
        fc.constantFrom(...layouts),
        fc.array(
          fc.integer({ min: 0, max: 120 }).map((v) => v / 10),
          { maxLength: 15 },
        ),
      )
      .map(([bounds, values]) => histogramOf(bounds, values));
    sameByAnyTree(fc.array(hist, { maxLength: 6 }), (a, b) => {
      expect(a.bounds).toEqual(b.bounds);
      expect(a.counts).toEqual(b.counts);
      expect(a.count).toBe(b.count);
      expect(a.sum).toBeCloseTo(b.sum, 9);
    });
  });

  it('exponential histograms at different scales and with the bucket limit: exactly', () => {
    const hist = fc
      .tuple(
        fc.integer({ min: -2, max: 6 }),
        fc.array(
          fc.integer({ min: -5000, max: 5000 }).map((v) => v / 7),
          { maxLength: 15 },
        ),
      )
      .map(([scale, values]) => exponentialOf(values, scale, 20));
    fc.assert(
      fc.property(fc.array(hist, { minLength: 1, maxLength: 6 }), picks, picks, (xs, p1, p2) => {
        const merge = (items: typeof xs, p: number[]) => {
          const pool = [...items];
          let k = 0;
          const next = () => p[k++ % p.length] ?? 0;
          while (pool.length > 1) {
            const [x] = pool.splice(next() % pool.length, 1);
            const [y] = pool.splice(next() % pool.length, 1);
            pool.push(mergeCohortStats(x!, y!));
          }
          return pool[0]!;
        };
        // the inputs span up to ~20 buckets at their own scale; merging several forces the default
        // 160-bucket limit to downscale, so the limit's grouping-independence is exercised too
        const a = merge(xs, p1);
        const b = merge(xs, p2);
        expect({ ...a, sum: 0 }).toEqual({ ...b, sum: 0 });
        expect(a.sum).toBeCloseTo(b.sum, 6);
      }),
    );
  });

  it('counters, ratios: exactly', () => {
    sameByAnyTree(
      fc.array(
        fc.tuple(fc.nat(500), fc.nat(3)).map(([i, r]) => counterOf(i, r)),
        { maxLength: 8 },
      ),
    );
    sameByAnyTree(
      fc.array(
        fc.tuple(fc.nat(50), fc.nat(500)).map(([n, d]) => ratioOf(n, d)),
        { maxLength: 8 },
      ),
    );
  });

  it('bounded samples: exactly, and the kept items are the smallest keys of the union', () => {
    const sample = fc
      .array(
        fc.tuple(
          fc.integer({ min: -100, max: 100 }),
          fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        ),
        {
          maxLength: 12,
        },
      )
      .map((pairs) => pairs.reduce((s, [v, k]) => observeSample(s, v, k), emptySamples(5)));
    sameByAnyTree(fc.array(sample, { maxLength: 6 }));
  });
});

describe('exponential downscale', () => {
  it('preserves count and sum, and every bucket total', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 30 }),
        fc.integer({ min: 0, max: 8 }),
        (values, by) => {
          const h = exponentialOf(values, 8);
          const d = downscaleExponential(h, by);
          expect(d.count).toBe(h.count);
          expect(d.sum).toBe(h.sum);
          const total = (x: typeof h) =>
            x.zeroCount +
            x.positive.counts.reduce((a, b) => a + b, 0) +
            x.negative.counts.reduce((a, b) => a + b, 0);
          expect(total(d)).toBe(total(h));
          expect(total(d)).toBe(values.length);
        },
      ),
    );
  });
});

describe('cohort statistics', () => {
  it('round-trip through JSON and the schema', () => {
    const all: CohortStats[] = [
      momentsOf([1, 2], 5),
      histogramOf([1, 2], [0.5, 3]),
      exponentialOf([0, 1.5, -2], 3),
      counterOf(4, 1),
      ratioOf(1, 9),
      observeSample(emptySamples(3), 4, 0.25),
    ];
    for (const s of all) expect(cohortStatsSchema.parse(JSON.parse(JSON.stringify(s)))).toEqual(s);
  });

  it('refuses to merge two kinds, naming both', () => {
    expect(() => mergeCohortStats<CohortStats>(momentsOf([1]), ratioOf(1, 2))).toThrow(
      /"moments" with "ratio"/,
    );
  });

  it('reports no data as null, not as zero', () => {
    expect(mergeAll([])).toBeNull();
  });

  it.each([
    { stats: momentsOf([1, 2, 3]), n: 3 },
    { stats: ratioOf(3, 120), n: 120 },
    { stats: counterOf(42), n: 42 },
    { stats: histogramOf([1], [0, 2]), n: 2 },
  ])('counts samples of $stats.kind for minSamples', ({ stats, n }) => {
    expect(sampleCount(stats)).toBe(n);
  });

  it('rejects a histogram whose counts do not fit its bounds, saying why', () => {
    const bad = { ...histogramOf([1, 2], []), counts: [0, 0] };
    const r = cohortStatsSchema.safeParse(bad);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/one more entry than bounds/);
  });
});
