import { describe, expect, it } from 'vitest';
import type { CohortStats } from './cohort-stats.ts';
import { distributionBoundaries, distributionSourceOf } from './distribution-boundaries.ts';
import { distributionInterval } from './distribution-interval.ts';
import type { ExplicitHistogram } from './explicit-histogram.ts';
import { downscaleExponential, exponentialOf } from './exponential-histogram.ts';
import type { Samples } from './samples.ts';

const CONFIDENCE = 0.95;

function histogram(bounds: number[], counts: number[]): ExplicitHistogram {
  const count = counts.reduce((a, b) => a + b, 0);
  return { kind: 'histogram', bounds, counts, count, sum: 0, min: null, max: null };
}

function samples(values: number[]): Samples {
  return {
    kind: 'samples',
    capacity: 4096,
    count: values.length,
    items: values.map((value, i) => ({ key: i / values.length, value })),
  };
}

function source(stats: CohortStats) {
  const result = distributionSourceOf(stats);
  if (!result.ok) throw new Error(result.reason);
  return result.source;
}

describe('distributionInterval', () => {
  it('finds no distance between identical distributions, and bounds it', () => {
    const h = histogram([0.1, 0.2, 0.5], [4000, 3000, 2000, 1000]);
    const { interval, comparison } = distributionInterval(h, h, { confidence: CONFIDENCE });
    expect(interval.status).toBe('ok');
    if (interval.status !== 'ok') return;
    expect(interval.estimate).toBe(0);
    expect(interval.lower).toBe(0);
    expect(interval.upper).toBeGreaterThan(0);
    expect(interval.upper).toBeLessThan(0.05);
    expect(comparison?.points.map((p) => p.boundary)).toEqual([0.1, 0.2, 0.5]);
    expect(comparison?.alphaPerBoundary).toBeCloseTo(0.05 / 3, 12);
  });

  it('a doubled spread with the same middle: the distance lies wholly above 0 at the tails', () => {
    const control = histogram([0.1, 0.2, 0.3, 0.4], [1000, 4000, 4000, 1000, 0]);
    const treatment = histogram([0.1, 0.2, 0.3, 0.4], [2000, 3000, 3000, 1000, 1000]);
    const { interval, comparison } = distributionInterval(treatment, control, { confidence: CONFIDENCE });
    if (interval.status !== 'ok' || comparison === undefined) throw new Error('expected an interval');
    // F_t − F_c at 0.1: 0.2 − 0.1 = 0.1; at 0.2: 0.5 − 0.5 = 0; at 0.3: 0.8 − 0.9 = −0.1; at 0.4: 0.9 − 1 = −0.1
    expect(comparison.points.map((p) => Number(p.difference.toFixed(10)))).toEqual([0.1, 0, -0.1, -0.1]);
    expect(interval.estimate).toBeCloseTo(0.1, 12);
    expect(comparison.widest).toBe(0);
    expect(interval.lower).toBeGreaterThan(0.05);
    expect(interval.upper).toBeLessThan(0.15);
    const point = comparison.points[0]!;
    expect(point.lower).toBeLessThan(0.1);
    expect(point.upper).toBeGreaterThan(0.1);
    expect(point.treatment).toBeCloseTo(0.2, 12);
    expect(point.reference).toBeCloseTo(0.1, 12);
  });

  it('spends α/J: more boundaries widen every boundary interval', () => {
    const few = histogram([1, 2], [300, 400, 300]);
    const many = histogram(
      Array.from({ length: 20 }, (_, i) => i / 10 + 0.05),
      [...Array.from({ length: 20 }, () => 48), 40],
    );
    const at = (h: ExplicitHistogram) => {
      const c = distributionInterval(h, h, { confidence: CONFIDENCE }).comparison!;
      const p = c.points.find((x) => x.treatment > 0.2)!;
      return (p.upper - p.lower) / Math.sqrt(p.treatment * (1 - p.treatment));
    };
    expect(at(many)).toBeGreaterThan(at(few) * 1.1);
  });

  it('is wider against a fixed baseline than against a control of the same size', () => {
    const t = histogram([1, 2], [300, 400, 300]);
    const r = histogram([1, 2], [330, 370, 300]);
    const control = distributionInterval(t, r, { confidence: CONFIDENCE }).interval;
    const baseline = distributionInterval(t, r, { confidence: CONFIDENCE, reference: 'baseline' }).interval;
    if (control.status !== 'ok' || baseline.status !== 'ok') throw new Error('expected intervals');
    expect(baseline.upper).toBeGreaterThan(control.upper);
    expect(baseline.method).toContain('fixed baseline');
  });

  it('explains statistics that carry no distribution', () => {
    const moments: CohortStats = {
      kind: 'moments',
      count: 10,
      sum: 1,
      sumSquares: 1,
      min: 0,
      max: 1,
      last: null,
    };
    const h = histogram([1], [5, 5]);
    const result = distributionInterval(moments, h, { confidence: CONFIDENCE }).interval;
    expect(result).toMatchObject({ status: 'insufficient' });
    if (result.status === 'insufficient') expect(result.reason).toMatch(/^treatment: .*histogram/);
    expect(distributionInterval(h, histogram([1], [0, 0]), { confidence: CONFIDENCE }).interval.status).toBe(
      'insufficient',
    );
  });
});

describe('distributionBoundaries', () => {
  it('compares explicit histograms at the bounds they share', () => {
    const a = source(histogram([0.1, 0.2, 0.5, 1], [1, 1, 1, 1, 1]));
    const b = source(histogram([0.2, 0.3, 1], [1, 1, 1, 1]));
    expect(distributionBoundaries(a, b)).toEqual([0.2, 1]);
  });

  it('snaps declared boundaries to the nearest shared bucket bound', () => {
    const a = source(histogram([0.1, 0.2, 0.5, 1], [1, 1, 1, 1, 1]));
    expect(distributionBoundaries(a, a, { declared: [0.19, 0.45, 0.5, 7] })).toEqual([0.2, 0.5, 1]);
  });

  it('takes declared boundaries as written for raw samples, and pooled quantiles without them', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i);
    const a = source(samples(values));
    expect(distributionBoundaries(a, a, { declared: [250.5, 10] })).toEqual([10, 250.5]);
    const chosen = distributionBoundaries(a, a, { max: 9 });
    expect(chosen).toEqual([99, 199, 299, 399, 499, 599, 699, 799, 899]);
  });

  it('keeps only exponential edges that split no occupied bucket of either cohort', () => {
    const values = Array.from({ length: 400 }, (_, i) => 0.01 * 1.01 ** i);
    const fine = exponentialOf(values, 3);
    const coarse = downscaleExponential(fine, 2);
    const boundaries = distributionBoundaries(source(fine), source(coarse), { max: 1000 });
    const coarseEdges = new Set(source(coarse).edges);
    expect(boundaries.length).toBeGreaterThan(5);
    for (const b of boundaries) expect(coarseEdges.has(b)).toBe(true);
  });

  it('thins to at most `max` boundaries near the quantiles of both cohorts together', () => {
    const values = Array.from({ length: 2000 }, (_, i) => 0.001 * 1.003 ** i);
    const h = exponentialOf(values, 4);
    const boundaries = distributionBoundaries(source(h), source(h), { max: 8 });
    expect(boundaries.length).toBeLessThanOrEqual(8);
    expect(boundaries.length).toBeGreaterThanOrEqual(6);
    const s = source(h);
    const result = distributionInterval(h, h, { confidence: CONFIDENCE, max: 8 });
    const shares = result.comparison!.points.map((p) => p.treatment);
    for (let i = 1; i < shares.length; i++) expect(shares[i]).toBeGreaterThan(shares[i - 1]!);
    expect(s.n).toBe(2000);
  });
});
