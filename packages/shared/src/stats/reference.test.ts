import { readFileSync } from 'node:fs';
import quantileOfNormal from '@stdlib/stats-base-dists-normal-quantile';
import { describe, expect, it } from 'vitest';
import { meanSummaryOf } from './cohort-summary.ts';
import { emptyHistogram } from './explicit-histogram.ts';
import { exponentialIndexOf } from './exponential-histogram.ts';
import { momentsOf } from './moments.ts';
import { mixtureRadius, optimalMixtureRatio } from './normal-mixture.ts';
import { quantileOf, sampleQuantile } from './quantile.ts';
import { binomialRankBand, quantileRankBand } from './quantile-interval.ts';
import { ratioOf } from './ratio.ts';
import { meanDifferenceInterval, proportionDifferenceInterval } from './sequential-interval.ts';

/**
 * Values computed independently with numpy and scipy by test/reference/stats_reference.py; the
 * JSON beside it is that script's output, committed.
 */
interface Reference {
  histogramQuantiles: { bounds: number[]; counts: number[]; q: number; value: number }[];
  sampleQuantiles: { values: number[]; cases: { q: number; value: number }[] };
  welch: {
    treatment: number[];
    control: number[];
    meanTreatment: number;
    meanControl: number;
    varianceTreatment: number;
    varianceControl: number;
    differenceVariance: number;
  };
  normalQuantiles: { p: number; z: number }[];
  mixtureRadius: {
    variance: number;
    horizonVariance: number;
    alpha: number;
    ratio: number;
    radius: number;
  }[];
  meanDifferenceInterval: {
    horizon: number;
    confidence: number;
    estimate: number;
    lower: number;
    upper: number;
  };
  proportionDifference: {
    treatment: [number, number];
    control: [number, number];
    horizon: number;
    confidence: number;
    estimate: number;
    lower: number;
    upper: number;
  }[];
  quantileRankBands: {
    n: number;
    q: number;
    alpha: number;
    horizon: number;
    sequential: boolean;
    radius: number | null;
    low: number;
    high: number;
    fixedSampleCoverage: number;
  }[];
  exponentialIndexes: { value: number; scale: number; index: number }[];
}

const ref: Reference = JSON.parse(
  readFileSync(new URL('../../../../test/reference/stats-reference.json', import.meta.url), 'utf8'),
);

const close = (actual: number, expected: number, rel = 1e-9) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected)));

describe('against scipy/numpy reference values', () => {
  it.each(ref.histogramQuantiles)(
    'histogram quantile $q of $counts over $bounds',
    ({ bounds, counts, q, value }) => {
      const h = { ...emptyHistogram(bounds), counts, count: counts.reduce((a, b) => a + b, 0) };
      close(quantileOf(h, q)!, value, 1e-12);
    },
  );

  it.each(ref.sampleQuantiles.cases)('raw-sample quantile $q (numpy linear)', ({ q, value }) => {
    const sorted = [...ref.sampleQuantiles.values].sort((a, b) => a - b);
    close(sampleQuantile(sorted, q)!, value, 1e-12);
  });

  it("Welch: means, variances and the difference's variance", () => {
    const { welch } = ref;
    const t = meanSummaryOf(momentsOf(welch.treatment));
    const c = meanSummaryOf(momentsOf(welch.control));
    if (!t.ok || !c.ok) throw new Error('expected summaries');
    close(t.value.mean, welch.meanTreatment, 1e-12);
    close(c.value.mean, welch.meanControl, 1e-12);
    close(t.value.variance, welch.varianceTreatment, 1e-9);
    close(c.value.variance, welch.varianceControl, 1e-9);
    close(t.value.variance / t.value.n + c.value.variance / c.value.n, welch.differenceVariance, 1e-9);
  });

  it.each(ref.normalQuantiles)('normal quantile at $p', ({ p, z }) => {
    close(quantileOfNormal(p, 0, 1), z, 1e-12);
  });

  it.each(ref.mixtureRadius)('mixture radius for V=$variance, Vh=$horizonVariance, α=$alpha', (c) => {
    close(optimalMixtureRatio(c.alpha), c.ratio, 1e-12);
    close(mixtureRadius(c), c.radius, 1e-12);
  });

  it('mean-difference interval', () => {
    const { welch, meanDifferenceInterval: want } = ref;
    const r = meanDifferenceInterval(momentsOf(welch.treatment), momentsOf(welch.control), {
      confidence: want.confidence,
      horizon: want.horizon,
    });
    if (r.status !== 'ok') throw new Error(`expected an interval, got ${r.status}`);
    close(r.estimate, want.estimate, 1e-12);
    close(r.lower, want.lower, 1e-9);
    close(r.upper, want.upper, 1e-9);
  });

  it.each(ref.proportionDifference)('proportion difference $treatment vs $control', (c) => {
    const r = proportionDifferenceInterval(ratioOf(...c.treatment), ratioOf(...c.control), {
      confidence: c.confidence,
      horizon: c.horizon,
    });
    if (r.status !== 'ok') throw new Error(`expected an interval, got ${r.status}`);
    close(r.estimate, c.estimate, 1e-12);
    close(r.lower, c.lower, 1e-9);
    close(r.upper, c.upper, 1e-9);
  });

  it.each(ref.quantileRankBands)('rank band n=$n q=$q α=$alpha sequential=$sequential', (c) => {
    const band = c.sequential
      ? quantileRankBand(
          c.n,
          c.q,
          mixtureRadius({
            variance: (c.q * (1 - c.q)) / c.n,
            horizonVariance: (c.q * (1 - c.q)) / c.horizon,
            alpha: c.alpha,
          }),
        )
      : binomialRankBand(c.n, c.q, c.alpha);
    expect(band).toEqual({ low: c.low, high: c.high });
    // the exact binomial coverage scipy printed for these ranks, for one fixed sample
    expect(c.fixedSampleCoverage).toBeGreaterThanOrEqual(1 - c.alpha);
  });

  it.each(ref.exponentialIndexes)(
    'exponential bucket of $value at scale $scale',
    ({ value, scale, index }) => {
      expect(exponentialIndexOf(value, scale)).toBe(index);
    },
  );
});
