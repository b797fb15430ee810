import { compareInterval, type IntervalResult, momentsOf, ratioOf } from '@rollout-guard/shared/stats';
import { describe, expect, it } from 'vitest';
import { measurementFromStats } from './from-stats.ts';
import { judgeGuardrail } from './guardrail.ts';
import { guardrailFixture } from './spec-fixture.ts';

const window = { from: 0, to: 300_000, label: 'wave' };
const wave = { percent: 25, minSamples: 100 };
const errorsVsControl = guardrailFixture({
  name: 'errors',
  metric: { ratio: { numerator: 'errors_total', denominator: 'requests_total' } },
  compare: 'control',
  allowed: { max: 0 },
});

function errorReading(treatment: [number, number], control: [number, number]) {
  const t = ratioOf(...treatment);
  const c = ratioOf(...control);
  return measurementFromStats({
    window,
    confidence: 0.95,
    treatment: { samples: t.denominator, value: t.numerator / t.denominator },
    reference: { kind: 'control', samples: c.denominator, value: c.numerator / c.denominator },
    absolute: compareInterval(t, c, 'ratio', { confidence: 0.95, reference: 'control' }),
  });
}

describe('measurementFromStats with the real stats module', () => {
  it('a doubled error rate over 10,000 requests per cohort breaches "max: 0" against control', () => {
    const measurement = errorReading([200, 10_000], [100, 10_000]);
    expect(measurement.difference?.absolute?.interval[0]).toBeGreaterThan(0);
    expect(measurement.difference?.absolute?.method).toBe('normal-mixture proportion difference');
    expect(judgeGuardrail(errorsVsControl, wave, measurement, 0).outcome).toBe('breached');
  });

  it('equal error rates do not', () => {
    const measurement = errorReading([100, 10_000], [100, 10_000]);
    expect(judgeGuardrail(errorsVsControl, wave, measurement, 0).outcome).toBe('ok');
  });

  it('a relative limit reads the relative interval', () => {
    const t = momentsOf(Array.from({ length: 400 }, (_, i) => 12 + (i % 5)));
    const c = momentsOf(Array.from({ length: 400 }, (_, i) => 10 + (i % 5)));
    const measurement = measurementFromStats({
      window,
      confidence: 0.95,
      treatment: { samples: 400, value: 14 },
      reference: { kind: 'control', samples: 400, value: 12 },
      relative: compareInterval(t, c, 'mean', { confidence: 0.95, relative: true, reference: 'control' }),
    });
    const rule = guardrailFixture({ compare: 'control', allowed: { max: '+5%' } });
    const judged = judgeGuardrail(rule, wave, measurement, 0);
    expect(measurement.difference?.relative?.estimate).toBeCloseTo(2 / 12, 6);
    expect(judged.outcome).toBe('breached');
  });
});

describe('measurementFromStats: results without an interval', () => {
  const base = {
    window,
    confidence: 0.95,
    treatment: { samples: 500, value: 3 },
    reference: { kind: 'control' as const, samples: 500, value: 2 },
  };

  it('judges an aggregate without an interval by its point difference', () => {
    const unsupported: IntervalResult = {
      status: 'unsupported',
      reason: 'max has no confidence interval',
      confidence: 0.95,
      method: 'none',
      n: { treatment: 0 },
    };
    const measurement = measurementFromStats({ ...base, absolute: unsupported, relative: unsupported });
    expect(measurement.difference).toEqual({
      absolute: {
        estimate: 1,
        interval: [1, 1],
        method: 'none (no interval: judged by value)',
        noInterval: 'max has no confidence interval',
      },
      relative: {
        estimate: 0.5,
        interval: [0.5, 0.5],
        method: 'none (no interval: judged by value)',
        noInterval: 'max has no confidence interval',
      },
    });
    const judged = judgeGuardrail(
      guardrailFixture({ compare: 'control', allowed: { max: 0.5 } }),
      wave,
      measurement,
      0,
    );
    expect(judged.outcome).toBe('breached');
    expect(judged.evidence.judgedBy).toBe('value');
    expect(judged.evidence.explanation).toContain(
      'the difference 1 lies above max 0.5 (judged by value: max has no confidence interval)',
    );
  });

  it("keeps why an absolute check's value has no interval, and judges that check by value", () => {
    const insufficient: IntervalResult = {
      status: 'insufficient',
      reason: 'zero variance: every observation is the same',
      estimate: 3,
      confidence: 0.95,
      method: 'normal-mixture mean',
      n: { treatment: 500 },
    };
    const measurement = measurementFromStats({
      window,
      confidence: 0.95,
      treatment: { samples: 500, value: 3, interval: insufficient },
    });
    expect(measurement.treatment).toEqual({
      samples: 500,
      value: 3,
      noInterval: 'zero variance: every observation is the same',
    });
    const judged = judgeGuardrail(guardrailFixture({ allowed: { max: 2 } }), wave, measurement, 0);
    expect(judged.outcome).toBe('breached');
    expect(judged.evidence.explanation).toContain(
      'the value 3 lies above max 2 (judged by value: zero variance: every observation is the same)',
    );
  });

  it('keeps the reason of an insufficient interval, and the check reports no data instead of breaching', () => {
    const insufficient: IntervalResult = {
      status: 'insufficient',
      reason: 'zero variance in both cohorts',
      estimate: 1,
      confidence: 0.95,
      method: 'normal-mixture mean difference (Welch)',
      n: { treatment: 500, control: 500 },
    };
    const measurement = measurementFromStats({ ...base, absolute: insufficient });
    expect(measurement.notes).toEqual(['absolute difference: zero variance in both cohorts']);
    const rule = guardrailFixture({ compare: 'control', allowed: { max: 0 } });
    const judged = judgeGuardrail(rule, wave, measurement, 0);
    expect(judged.outcome).toBe('no-data');
    expect(judged.evidence.explanation).toContain('zero variance in both cohorts');
  });
});
