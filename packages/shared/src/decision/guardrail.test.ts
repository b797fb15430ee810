import { describe, expect, it } from 'vitest';
import type { GuardrailOutcome } from './check.ts';
import { judgeGuardrail } from './guardrail.ts';
import type { Measurement } from './measurement.ts';
import { absoluteMeasurement, differenceMeasurement } from './measurement-fixture.ts';
import { guardrailFixture } from './spec-fixture.ts';

const wave25 = { percent: 25, minSamples: 100 };
const wave50 = { percent: 50, minSamples: 100 };

describe('judgeGuardrail: one evaluation', () => {
  const cases: [
    string,
    Parameters<typeof guardrailFixture>[0],
    { percent: number; minSamples: number },
    Measurement | undefined,
    GuardrailOutcome,
  ][] = [
    ['absolute value above max', { allowed: { max: 2 } }, wave25, absoluteMeasurement(2.1), 'breached'],
    ['absolute value at max', { allowed: { max: 2 } }, wave25, absoluteMeasurement(2), 'ok'],
    ['absolute value below min', { allowed: { min: 0.8 } }, wave25, absoluteMeasurement(0.7), 'breached'],
    ['absolute value above min', { allowed: { min: 0.8 } }, wave25, absoluteMeasurement(0.9), 'ok'],
    [
      'allowedByWave loosens the limit in its wave',
      { allowed: { max: 0.03 }, allowedByWave: { 25: { max: 0.04 } } },
      wave25,
      absoluteMeasurement(0.035),
      'ok',
    ],
    [
      'allowed applies in another wave',
      { allowed: { max: 0.03 }, allowedByWave: { 25: { max: 0.04 } } },
      wave50,
      absoluteMeasurement(0.035),
      'breached',
    ],
    [
      'relative limit, whole relative interval above +5%',
      { compare: 'control', allowed: { max: '+5%' } },
      wave25,
      differenceMeasurement('relative', [0.051, 0.09]),
      'breached',
    ],
    [
      'relative limit, interval straddles +5%: not a breach',
      { compare: 'control', allowed: { max: '+5%' } },
      wave25,
      differenceMeasurement('relative', [0.049, 0.09]),
      'ok',
    ],
    [
      'bare number on a control check is an absolute difference',
      { compare: 'control', allowed: { max: 0 } },
      wave25,
      differenceMeasurement('absolute', [0.002, 0.015]),
      'breached',
    ],
    [
      'absolute difference interval including 0',
      { compare: 'baseline', allowed: { max: 0 } },
      wave25,
      differenceMeasurement('absolute', [-0.002, 0.015]),
      'ok',
    ],
    [
      'min on a difference: wholly below',
      { compare: 'control', allowed: { min: -1 } },
      wave25,
      differenceMeasurement('absolute', [-3, -1.5]),
      'breached',
    ],
    ['no measurement at all', { allowed: { max: 2 } }, wave25, undefined, 'no-data'],
    ['zero treatment samples', { allowed: { max: 2 } }, wave25, absoluteMeasurement(5, 0), 'no-data'],
    [
      'reference cohort empty',
      { compare: 'control', allowed: { max: 0 } },
      wave25,
      differenceMeasurement('absolute', [1, 2], { reference: 0 }),
      'no-data',
    ],
    [
      'the needed difference was not measured',
      { compare: 'control', allowed: { max: '+5%' } },
      wave25,
      differenceMeasurement('absolute', [1, 2]),
      'no-data',
    ],
    ['99 samples < default 100', { allowed: { max: 2 } }, wave25, absoluteMeasurement(9, 99), 'insufficient'],
    ['100 samples is enough', { allowed: { max: 2 } }, wave25, absoluteMeasurement(9, 100), 'breached'],
    [
      "the wave's minSamples applies to checks",
      { allowed: { max: 2 } },
      { percent: 25, minSamples: 2000 },
      absoluteMeasurement(9, 1999),
      'insufficient',
    ],
    [
      "the check's minSamples overrides the wave's",
      { allowed: { max: 2 }, minSamples: 50 },
      { percent: 25, minSamples: 2000 },
      absoluteMeasurement(9, 60),
      'breached',
    ],
    [
      'minSamples counts per cohort: a thin reference is insufficient',
      { compare: 'control', allowed: { max: 0 } },
      wave25,
      differenceMeasurement('absolute', [1, 2], { treatment: 5000, reference: 40 }),
      'insufficient',
    ],
  ];

  it.each(cases)('%s', (_name, input, wave, measurement, expected) => {
    const judged = judgeGuardrail(guardrailFixture(input), wave, measurement, 0);
    expect(judged.outcome).toBe(expected);
    expect(judged.acts).toBe(expected === 'breached');
    expect(judged.evidence.outcome).toBe(expected);
    expect(judged.evidence.explanation.length).toBeGreaterThan(10);
  });
});

describe('judgeGuardrail: consecutive', () => {
  const rule = guardrailFixture({ allowed: { max: 2 }, consecutive: 3 });
  const outside = absoluteMeasurement(3);
  const inside = absoluteMeasurement(1);

  function run(sequence: (Measurement | undefined)[]) {
    let count = 0;
    return sequence.map((m) => {
      const judged = judgeGuardrail(rule, wave25, m, count);
      count = judged.consecutive;
      return [judged.outcome, judged.consecutive, judged.acts] as const;
    });
  }

  it('breaches on the third evaluation in a row, and acts only then', () => {
    expect(run([outside, outside, outside, outside])).toEqual([
      ['ok', 1, false],
      ['ok', 2, false],
      ['breached', 3, true],
      ['breached', 4, false],
    ]);
  });

  it('resets on an evaluation inside allowed', () => {
    expect(run([outside, outside, inside, outside, outside])).toEqual([
      ['ok', 1, false],
      ['ok', 2, false],
      ['ok', 0, false],
      ['ok', 1, false],
      ['ok', 2, false],
    ]);
  });

  it('neither counts nor resets on missing or thin data', () => {
    expect(run([outside, undefined, absoluteMeasurement(3, 10), outside, outside])).toEqual([
      ['ok', 1, false],
      ['no-data', 1, false],
      ['insufficient', 1, false],
      ['ok', 2, false],
      ['breached', 3, true],
    ]);
  });

  it('acts again after the breach ended and a new one began', () => {
    const single = guardrailFixture({ allowed: { max: 2 } });
    let count = 0;
    const acts = [outside, outside, inside, outside].map((m) => {
      const judged = judgeGuardrail(single, wave25, m, count);
      count = judged.consecutive;
      return judged.acts;
    });
    expect(acts).toEqual([true, false, false, true]);
  });
});

describe('judgeGuardrail: evidence', () => {
  it('records the limit applied in the wave, the rule, the numbers and the reference', () => {
    const rule = guardrailFixture({
      name: 'handle-time-regression',
      compare: 'control',
      allowed: { max: '+5%' },
      allowedByWave: { 25: { max: '+8%' } },
      window: '1h',
    });
    const measurement = differenceMeasurement('relative', [0.09, 0.12], { treatment: 5120, reference: 4980 });
    const { evidence } = judgeGuardrail(rule, wave25, measurement, 0);
    expect(evidence).toMatchObject({
      check: 'handle-time-regression',
      role: 'guardrail',
      compare: 'control',
      reference: 'control',
      allowed: { max: '+8%' },
      limitSource: 'allowedByWave.25',
      confidence: 0.95,
      minSamples: 100,
      consecutive: { count: 1, required: 1 },
      windowSpec: '1h',
      cohorts: { treatment: { samples: 5120 }, reference: { samples: 4980 } },
      difference: { relative: { interval: [0.09, 0.12] } },
      placement: 'outside',
      outcome: 'breached',
    });
    expect(evidence.explanation).toContain(
      'the whole relative difference interval [0.09, 0.12] lies above max +8% of allowedByWave.25',
    );
    expect(evidence.rule).toContain('for 1 evaluation(s) in a row');
    expect(evidence.judgedBy).toBe('interval');
  });
});

describe('judgeGuardrail: an absolute limit is judged by its whole interval', () => {
  const cases: [string, Parameters<typeof guardrailFixture>[0], Measurement, GuardrailOutcome, string][] = [
    [
      'value above max, interval straddles it: not a breach',
      { allowed: { max: 0.03 } },
      absoluteMeasurement(0.03361, 1000, [0.02524, 0.04198]),
      'ok',
      'the interval [0.02524, 0.04198] straddles max 0.03',
    ],
    [
      'whole interval above max: breach',
      { allowed: { max: 0.03 } },
      absoluteMeasurement(0.036, 1000, [0.031, 0.042]),
      'breached',
      'the whole interval [0.031, 0.042] lies above max 0.03',
    ],
    [
      'whole interval below min: breach',
      { allowed: { min: 0.8 } },
      absoluteMeasurement(0.7, 1000, [0.65, 0.75]),
      'breached',
      'the whole interval [0.65, 0.75] lies below min 0.8',
    ],
    [
      'whole interval inside: ok',
      { allowed: { max: 0.03 } },
      absoluteMeasurement(0.02, 1000, [0.015, 0.025]),
      'ok',
      'the whole interval [0.015, 0.025] lies at or below max 0.03',
    ],
    [
      'judge: value acts on the value, and says so',
      { allowed: { max: 0.03 }, judge: 'value' },
      absoluteMeasurement(0.0336, 1000, [0.02524, 0.04198]),
      'breached',
      'the value 0.0336 lies above max 0.03 (judged by value)',
    ],
    [
      'no interval (max, last …): judged by value, and says why',
      { metric: 'latency', aggregate: 'max', allowed: { max: 2 } },
      {
        ...absoluteMeasurement(2.5, 1000),
        treatment: { samples: 1000, value: 2.5, noInterval: 'max has no confidence interval' },
      },
      'breached',
      'the value 2.5 lies above max 2 (judged by value: max has no confidence interval)',
    ],
    [
      'judge: value on a control check compares the difference estimate',
      { compare: 'control', allowed: { max: 0 }, judge: 'value' },
      differenceMeasurement('absolute', [-0.002, 0.004]),
      'breached',
      'the difference 0.001 lies above max 0 (judged by value)',
    ],
    [
      'an infinite bound (an open histogram bucket) never breaches a min',
      { metric: 'latency', aggregate: 'p99', allowed: { min: 0.1 } },
      absoluteMeasurement(0.05, 1000, [0.01, Number.POSITIVE_INFINITY]),
      'ok',
      'the interval [0.01, Infinity] straddles min 0.1',
    ],
  ];

  it.each(cases)('%s', (_name, input, measurement, expected, explanation) => {
    const judged = judgeGuardrail(guardrailFixture(input), wave25, measurement, 0);
    expect(judged.outcome).toBe(expected);
    expect(judged.evidence.explanation).toContain(explanation);
    const byValue = explanation.includes('judged by value');
    expect(judged.evidence.judgedBy).toBe(byValue ? 'value' : 'interval');
    expect(judged.evidence.rule).toContain(byValue ? '(judged by value)' : 'the whole');
  });

  it('names the wave limit that applied', () => {
    const rule = guardrailFixture({ allowed: { max: 0.03 }, allowedByWave: { 25: { max: 0.04 } } });
    const judged = judgeGuardrail(rule, wave25, absoluteMeasurement(0.05, 1000, [0.045, 0.055]), 0);
    expect(judged.evidence.explanation).toContain(
      'the whole interval [0.045, 0.055] lies above max 0.04 of allowedByWave.25',
    );
  });

  it('the rule text of an unmeasured check says how it will be judged', () => {
    const byValue = judgeGuardrail(
      guardrailFixture({ metric: 'latency', aggregate: 'last', allowed: { max: 2 } }),
      wave25,
      undefined,
      0,
    );
    expect(byValue.evidence.judgedBy).toBe('value');
    expect(byValue.evidence.rule).toMatch(/^breached when the value lies outside .*\(judged by value\)$/);
    const byInterval = judgeGuardrail(guardrailFixture({ allowed: { max: 2 } }), wave25, undefined, 0);
    expect(byInterval.evidence.rule).toMatch(/^breached when the whole interval lies outside/);
  });
});
