import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { absoluteInterval, compareInterval } from './compare-interval.ts';
import { histogramOf } from './explicit-histogram.ts';
import type { IntervalResult } from './interval-result.ts';
import { emptyMoments, type Moments, momentsOf } from './moments.ts';
import { quantileDifferenceInterval, quantileInterval } from './quantile-interval.ts';
import { ratioOf } from './ratio.ts';
import {
  meanDifferenceInterval,
  meanInterval,
  proportionDifferenceInterval,
  proportionInterval,
} from './sequential-interval.ts';

const opts = { confidence: 0.95 };

/** Moments of n values with the given mean and sample variance, without listing them. */
function moments(n: number, mean: number, variance: number): Moments {
  return {
    ...emptyMoments(),
    count: n,
    sum: n * mean,
    sumSquares: variance * (n - 1) + n * mean * mean,
    min: mean,
    max: mean,
  };
}

function ok(r: IntervalResult) {
  if (r.status !== 'ok')
    throw new Error(`expected an interval, got ${r.status}: ${'reason' in r ? r.reason : ''}`);
  return r;
}

describe('degenerate input gives "insufficient", never a throw', () => {
  it.each<{ name: string; result: () => IntervalResult; reason: RegExp }>([
    {
      name: 'no values',
      result: () => meanDifferenceInterval(emptyMoments(), momentsOf([1, 2]), opts),
      reason: /treatment: 0 value/,
    },
    { name: 'one value', result: () => meanInterval(momentsOf([3]), opts), reason: /needs 2/ },
    {
      name: 'zero variance',
      result: () => meanDifferenceInterval(momentsOf([2, 2]), momentsOf([2, 2, 2]), opts),
      reason: /zero variance/,
    },
    {
      name: 'no requests',
      result: () => proportionDifferenceInterval(ratioOf(0, 0), ratioOf(1, 100), opts),
      reason: /denominator did not increase/,
    },
    {
      name: 'relative to a zero control',
      result: () =>
        meanDifferenceInterval(momentsOf([1, 2]), momentsOf([-1, 1]), { ...opts, relative: true }),
      reason: /control value is 0/,
    },
    {
      name: 'relative to a baseline whose interval holds 0',
      result: () =>
        meanDifferenceInterval(momentsOf([1, 2, 3]), momentsOf([-1, 1, 0.5]), {
          ...opts,
          relative: true,
          reference: 'baseline',
        }),
      reason: /contains 0/,
    },
    {
      name: 'quantile of nothing',
      result: () => quantileInterval(histogramOf([1], []), 0.99, opts),
      reason: /no observations/,
    },
    {
      name: 'quantile of moments',
      result: () => quantileInterval(momentsOf([1, 2]), 0.99, opts),
      reason: /needs a histogram/,
    },
  ])('$name', ({ result, reason }) => {
    const r = result();
    expect(r.status).toBe('insufficient');
    if (r.status === 'insufficient') expect(r.reason).toMatch(reason);
  });

  it('for any counts at all', () => {
    const stat = fc.oneof(
      fc.tuple(fc.nat(5), fc.nat(5)).map(([x, n]) => ratioOf(x, n)),
      fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 4 }).map((v) => momentsOf(v)),
      fc
        .tuple(fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 6 }), fc.boolean())
        .map(([v, known]) => ({ ...histogramOf([-1, 0, 1], v), ...(known ? {} : { min: null, max: null }) })),
    );
    fc.assert(
      fc.property(
        stat,
        stat,
        fc.boolean(),
        fc.constantFrom('control' as const, 'baseline' as const),
        (t, c, relative, reference) => {
          for (const how of ['mean', 'ratio', { quantile: 0.5 }, { quantile: 0.99 }] as const) {
            const r = compareInterval(t, c, how, { confidence: 0.9, relative, reference });
            if (r.status === 'ok') {
              expect(Number.isNaN(r.lower) || Number.isNaN(r.upper)).toBe(false);
              expect(r.lower).toBeLessThanOrEqual(r.upper);
            }
          }
        },
      ),
    );
  });
});

describe('intervals widen as confidence rises', () => {
  const confidences = fc.tuple(
    fc.double({ min: 0.5, max: 0.999, noNaN: true }),
    fc.double({ min: 0.5, max: 0.999, noNaN: true }),
  );
  const widths = (f: (confidence: number) => IntervalResult, [a, b]: [number, number]) => {
    const [lo, hi] = a < b ? [a, b] : [b, a];
    const x = ok(f(lo));
    const y = ok(f(hi));
    // monotone up to rounding: two confidences a few ulps apart may round either way
    const eps = 1e-12 * (Math.abs(x.lower) + Math.abs(x.upper) + 1);
    expect(y.lower).toBeLessThanOrEqual(x.lower + eps);
    expect(y.upper).toBeGreaterThanOrEqual(x.upper - eps);
  };

  it('for means, proportions and quantiles, against control, baseline or alone', () => {
    const t = moments(400, 10.5, 4);
    const c = moments(900, 10, 5);
    const rt = ratioOf(25, 2000);
    const rc = ratioOf(40, 6000);
    const bounds = [0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2];
    const ht = histogramOf(
      bounds,
      Array.from({ length: 3000 }, (_, i) => ((i * 7919) % 1000) / 480),
    );
    const hc = histogramOf(
      bounds,
      Array.from({ length: 3000 }, (_, i) => ((i * 104729) % 1000) / 500),
    );
    fc.assert(
      fc.property(
        confidences,
        fc.boolean(),
        fc.constantFrom('control' as const, 'baseline' as const),
        (pair, relative, reference) => {
          const o = (confidence: number) => ({ confidence, relative, reference });
          widths((k) => meanDifferenceInterval(t, c, o(k)), pair);
          widths((k) => proportionDifferenceInterval(rt, rc, o(k)), pair);
          widths((k) => quantileDifferenceInterval(ht, hc, 0.9, o(k)), pair);
          widths((k) => meanInterval(t, { confidence: k }), pair);
          widths((k) => proportionInterval(rt, { confidence: k }), pair);
          widths((k) => quantileInterval(ht, 0.5, { confidence: k }), pair);
        },
      ),
    );
  });
});

describe('interval values', () => {
  it('centre a difference of means on the difference, and narrow as samples grow', () => {
    const small = ok(meanDifferenceInterval(moments(100, 12, 4), moments(100, 10, 4), opts));
    const large = ok(meanDifferenceInterval(moments(10_000, 12, 4), moments(10_000, 10, 4), opts));
    expect(small.estimate).toBeCloseTo(2, 12);
    expect((small.lower + small.upper) / 2).toBeCloseTo(2, 12);
    expect(large.upper - large.lower).toBeLessThan((small.upper - small.lower) / 5);
    expect(large.n).toEqual({ treatment: 10_000, control: 10_000 });
  });

  it('give a relative difference around (t − c)/c', () => {
    const r = ok(
      meanDifferenceInterval(moments(5000, 110, 100), moments(5000, 100, 100), { ...opts, relative: true }),
    );
    expect(r.estimate).toBeCloseTo(0.1, 12);
    expect(r.lower).toBeGreaterThan(0.05);
    expect(r.upper).toBeLessThan(0.15);
    expect(r.method).toMatch(/relative.*delta method/);
  });

  it('count the baseline’s own uncertainty: a small baseline widens the interval', () => {
    const t = moments(5000, 10.2, 4);
    const bigBaseline = ok(
      meanDifferenceInterval(t, moments(1_000_000, 10, 4), { ...opts, reference: 'baseline' }),
    );
    const smallBaseline = ok(
      meanDifferenceInterval(t, moments(200, 10, 4), { ...opts, reference: 'baseline' }),
    );
    expect(smallBaseline.upper - smallBaseline.lower).toBeGreaterThan(bigBaseline.upper - bigBaseline.lower);
    expect(bigBaseline.method).toBe('normal-mixture mean vs fixed baseline');
  });

  it('bound a relative difference against a baseline by interval arithmetic', () => {
    const r = ok(
      proportionDifferenceInterval(ratioOf(300, 10_000), ratioOf(2000, 100_000), {
        ...opts,
        relative: true,
        reference: 'baseline',
      }),
    );
    expect(r.estimate).toBeCloseTo(0.5, 12);
    expect(r.lower).toBeGreaterThan(0);
    expect(r.lower).toBeLessThan(0.5);
    expect(r.upper).toBeGreaterThan(0.5);
  });

  it('do not claim zero variance for a cohort with no errors yet', () => {
    const r = ok(proportionDifferenceInterval(ratioOf(0, 500), ratioOf(0, 500), opts));
    expect(r.estimate).toBe(0);
    expect(r.lower).toBeLessThan(0);
    expect(r.upper).toBeGreaterThan(0);
  });

  it('treat a ratio above 1 as a rate, not a proportion', () => {
    const r = ok(proportionInterval(ratioOf(1800, 1000), opts));
    expect(r.estimate).toBe(1.8);
    expect(r.lower).toBeGreaterThan(1.5);
  });

  it('bound a quantile by bucket edges, and contain the true quantile of a large sample', () => {
    const bounds = Array.from({ length: 40 }, (_, i) => (i + 1) / 40);
    const uniform = histogramOf(
      bounds,
      Array.from({ length: 20_000 }, (_, i) => (i + 0.5) / 20_000),
    );
    const r = ok(quantileInterval(uniform, 0.99, opts));
    expect(r.lower).toBeLessThanOrEqual(0.99);
    expect(r.upper).toBeGreaterThanOrEqual(0.99);
    expect(bounds.concat([0, 0.5 / 20_000, 1 - 0.5 / 20_000])).toEqual(
      expect.arrayContaining([r.lower, r.upper]),
    );
  });

  it('leave an unbounded side infinite when the data cannot bound it', () => {
    const h = {
      ...histogramOf(
        [1, 2],
        Array.from({ length: 300 }, (_, i) => (i % 3) + 0.5),
      ),
      min: null,
      max: null,
    };
    const r = ok(quantileInterval(h, 0.99, opts));
    expect(r.upper).toBe(Number.POSITIVE_INFINITY);
    expect(r.lower).toBe(2);
  });
});

describe('dispatch by aggregate', () => {
  it('ratio → proportions, mean → Welch (approximate from a histogram), quantile → ranks, max → by value', () => {
    expect(compareInterval(ratioOf(1, 100), ratioOf(2, 100), 'ratio', opts).method).toBe(
      'normal-mixture proportion difference',
    );
    expect(
      compareInterval(histogramOf([1, 2], [0.5, 1.5, 1.7]), histogramOf([1, 2], [0.4, 1.1]), 'mean', opts)
        .method,
    ).toBe('normal-mixture mean difference (Welch)');
    expect(
      compareInterval(histogramOf([1], [0.5]), histogramOf([1], [0.4]), { quantile: 0.5 }, opts).method,
    ).toMatch(/quantile difference/);
    expect(absoluteInterval(momentsOf([1, 2]), 'max', opts)).toMatchObject({
      status: 'unsupported',
      reason: /has no confidence interval/,
    });
  });

  it('refuses a confidence outside (0, 1), saying what is valid', () => {
    expect(() => absoluteInterval(momentsOf([1, 2]), 'mean', { confidence: 95 })).toThrow(
      /between 0 and 1, e.g. 0.95/,
    );
  });
});
