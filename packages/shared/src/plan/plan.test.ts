import { describe, expect, it } from 'vitest';
import { specFixture } from '../decision/spec-fixture.ts';
import type { RolloutSpecInput } from '../spec/index.ts';
import { planAssumptionsSchema } from './assumptions.ts';
import { checkpointOf, formatMinutes } from './check-plan.ts';
import { planRollout } from './plan.ts';
import { inverseGaussianCdf, minutesToRadius, radiusAfter } from './time-to-decision.ts';

const ratio = { ratio: { numerator: 'errors_total', denominator: 'requests_total' } };

function spec(fields: Partial<RolloutSpecInput['spec']>) {
  return specFixture({
    guardrails: [{ name: 'errors', metric: ratio, compare: 'control', allowed: { max: 0.01 } }],
    successCriteria: [],
    ...fields,
  });
}

function plan(fields: Partial<RolloutSpecInput['spec']>, traffic: number, checks = {}) {
  const result = planRollout(spec(fields), planAssumptionsSchema.parse({ traffic, checks }));
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.plan;
}

describe('the interval as a function of bake time', () => {
  const design = {
    treatmentVariance: 0.0099,
    treatmentPerMinute: 1000,
    reference: { kind: 'control' as const, variance: 0.0099, perMinute: 1000 },
    confidence: 0.95,
  };

  it('narrows with time, and reaches a margin at the time minutesToRadius names', () => {
    expect(radiusAfter(design, 10)).toBeLessThan(radiusAfter(design, 1));
    const minutes = minutesToRadius(design, 0.005);
    expect(radiusAfter(design, minutes)).toBeCloseTo(0.005, 6);
    expect(minutesToRadius(design, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('never narrows below a fixed reference’s own half-width', () => {
    const fixed = { ...design, reference: { kind: 'fixed' as const, variance: 0.0099, samples: 1000 } };
    // The baseline's 97.5%-per-side normal half-width alone is 2.24·√(0.0099/1000) ≈ 0.0070.
    expect(minutesToRadius(fixed, 0.006)).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isFinite(minutesToRadius(fixed, 0.02))).toBe(true);
  });

  it.each([
    [1, 1, 1],
    [0.5, 1, 3],
    [2, 1, 3],
    [40, 25, 120],
  ])('inverse Gaussian CDF at %s (mean %s, shape %s) is the integral of its density', (x, mean, shape) => {
    const density = (u: number) =>
      Math.sqrt(shape / (2 * Math.PI * u ** 3)) * Math.exp((-shape * (u - mean) ** 2) / (2 * mean ** 2 * u));
    // Simpson's rule from (almost) 0 to x.
    const steps = 20_000;
    const h = x / steps;
    let sum = 0;
    for (let i = 0; i <= steps; i++) {
      const u = Math.max(i * h, 1e-12);
      sum += density(u) * (i === 0 || i === steps ? 1 : i % 2 ? 4 : 2);
    }
    expect(inverseGaussianCdf(x, mean, shape)).toBeCloseTo((sum * h) / 3, 5);
  });
});

describe('checkpointOf', () => {
  const wave = spec({}).spec.waves[0]!; // bake 1h, extend 30m, maxBake 2h
  it.each([
    [30, 'bake'],
    [60, 'bake'],
    [61, 'extension 1'],
    [100, 'extension 2'],
    [121, 'never'],
    [Number.POSITIVE_INFINITY, 'never'],
  ])('%s minutes: %s', (minutes, checkpoint) => {
    expect(checkpointOf(wave, minutes)).toBe(checkpoint);
  });
});

describe('planRollout', () => {
  it('plans every wave and check, and names each default it assumed', () => {
    const result = plan({}, 4000);
    expect(result.waves.map((w) => [w.index, w.percent, w.checks.length])).toEqual([
      [1, 25, 1],
      [2, 50, 1],
      [3, 100, 1],
    ]);
    const first = result.waves[0]!.checks[0]!;
    expect(first).toMatchObject({
      check: 'errors',
      method: 'interval',
      reference: 'control',
      perMinute: { treatment: 1000, reference: 3000 },
      assumptions: {
        value: { value: 0.01, source: 'default' },
        effect: { value: 0, source: 'default' },
        // As far beyond the limit as the expected value lies inside it.
        breach: { value: 0.02, source: 'default' },
      },
    });
    expect(first.breach?.minutes).toBeGreaterThan(0);
    // Twice the traffic in wave 2 (and a larger treatment share) acts sooner.
    expect(result.waves[1]!.checks[0]!.breach!.minutes!).toBeLessThan(first.breach!.minutes!);
    // At 100% without a baseline the reference is the previous wave's control, a fixed sample.
    expect(result.waves[2]!.checks[0]).toMatchObject({ reference: 'previous wave control' });
  });

  it('warns when a guardrail cannot act before the bake ends', () => {
    const result = plan({}, 50, { errors: { breach: 0.015 } });
    expect(
      result.warnings.some((w) =>
        w.includes('errors cannot act on a breach of 0.015 before the bake of wave 1 (25%) ends'),
      ),
    ).toBe(true);
  });

  it('warns when a criterion can never be conclusive, or not within its longest bake', () => {
    const onTheLimit = plan(
      { successCriteria: [{ name: 'adoption', metric: ratio, allowed: { min: 0.8 } }] },
      4000,
      { adoption: { value: 0.8 } },
    );
    expect(onTheLimit.waves[0]!.checks[1]).toMatchObject({ verdict: { minutes: null, checkpoint: 'never' } });
    expect(onTheLimit.warnings).toContain(
      'adoption can never be conclusive in wave 1 (25%): its expected value sits on its limit; the wave ends in no-go after 2h',
    );
    const slow = plan({ successCriteria: [{ name: 'adoption', metric: ratio, allowed: { min: 0.8 } }] }, 20, {
      adoption: { value: 0.81 },
    });
    expect(
      slow.warnings.some((w) =>
        /adoption needs about .* to be conclusive in wave 1 \(25%\), longer than its longest bake 2h/.test(w),
      ),
    ).toBe(true);
  });

  it('says a small baseline keeps a baseline check from ever being conclusive', () => {
    const result = plan(
      {
        baseline: { window: '1m' },
        successCriteria: [
          { name: 'errors-vs-baseline', metric: ratio, compare: 'baseline', allowed: { max: 0.002 } },
        ],
      },
      200,
    );
    expect(result.warnings).toContain(
      "errors-vs-baseline can never be conclusive in wave 1 (25%): its baseline's own uncertainty keeps the interval wider than the margin to its limit; the wave ends in no-go after 2h",
    );
  });

  it('plans a value-judged check by its minSamples, and leaves a quantile to a backtest', () => {
    const result = plan(
      {
        guardrails: [
          { name: 'peak', metric: 'queue_depth', aggregate: 'max', allowed: { max: 100 } },
          { name: 'p99', metric: 'latency_seconds', aggregate: 'p99', allowed: { max: 2 } },
          { name: 'slo', metric: ratio, allowed: { max: 0.01 }, judge: 'value' },
        ],
      },
      400,
    );
    const [peak, p99, slo] = result.waves[0]!.checks;
    expect(peak).toMatchObject({ method: 'value', breach: { minutes: 1 } });
    expect(slo).toMatchObject({ method: 'value', breach: { minutes: 1 } });
    expect(p99).toMatchObject({ method: 'unplanned', verdict: null, breach: null });
    expect(p99?.note).toContain('backtest');
  });

  it('marks a shadow check, and asks for a mean’s spread when it compares by an absolute difference', () => {
    const result = plan(
      {
        guardrails: [],
        successCriteria: [
          { name: 'csat', metric: 'csat', compare: 'control', allowed: { min: -1 }, mode: 'shadow' },
        ],
      },
      400,
    );
    expect(result.waves[0]!.checks[0]).toMatchObject({ shadow: true, method: 'unplanned' });
    expect(result.waves[0]!.checks[0]!.note).toContain('sd=');
  });

  it('refuses expectations for a check the spec does not have', () => {
    const result = planRollout(
      spec({}),
      planAssumptionsSchema.parse({ traffic: 100, checks: { latency: {} } }),
    );
    expect(result).toEqual({
      ok: false,
      problems: [
        { path: 'checks.latency', message: 'the spec has no check named "latency"; its checks are errors' },
      ],
    });
  });
});

describe('formatMinutes', () => {
  it.each([
    [0.25, '15s'],
    [12.34, '12.3m'],
    [180, '3h'],
    [4320, '3d'],
  ])('%s → %s', (minutes, text) => {
    expect(formatMinutes(minutes)).toBe(text);
  });
});
