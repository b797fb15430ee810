import { describe, expect, it } from 'vitest';
import type { CriterionOutcome } from './check.ts';
import { judgeCriterion } from './criterion.ts';
import type { Measurement } from './measurement.ts';
import { absoluteMeasurement, differenceMeasurement } from './measurement-fixture.ts';
import { criterionFixture } from './spec-fixture.ts';

const wave = { percent: 50, minSamples: 100 };

describe('judgeCriterion', () => {
  const cases: [string, Parameters<typeof criterionFixture>[0], Measurement | undefined, CriterionOutcome][] =
    [
      ['absolute value inside min', { allowed: { min: 0.8 } }, absoluteMeasurement(0.85), 'pass'],
      ['absolute value below min', { allowed: { min: 0.8 } }, absoluteMeasurement(0.75), 'fail'],
      ['absolute value at min passes', { allowed: { min: 0.8 } }, absoluteMeasurement(0.8), 'pass'],
      [
        'relative improvement of more than 10% proven',
        { compare: 'control', allowed: { max: '-10%' } },
        differenceMeasurement('relative', [-0.2, -0.11]),
        'pass',
      ],
      [
        'relative interval straddles -10%',
        { compare: 'control', allowed: { max: '-10%' } },
        differenceMeasurement('relative', [-0.2, -0.05]),
        'inconclusive',
      ],
      [
        'relative interval wholly above -10%',
        { compare: 'control', allowed: { max: '-10%' } },
        differenceMeasurement('relative', [-0.08, 0.01]),
        'fail',
      ],
      [
        'csat not worse than -1: interval above -1',
        { compare: 'control', allowed: { min: -1 } },
        differenceMeasurement('absolute', [-0.6, 0.2]),
        'pass',
      ],
      [
        'csat wholly below -1',
        { compare: 'control', allowed: { min: -1 } },
        differenceMeasurement('absolute', [-2, -1.1]),
        'fail',
      ],
      [
        'min and max: interval wider than the range',
        { compare: 'baseline', allowed: { min: -1, max: 1 } },
        differenceMeasurement('absolute', [-3, 3]),
        'inconclusive',
      ],
      ['no data is inconclusive', { allowed: { min: 0.8 } }, undefined, 'inconclusive'],
      [
        'too few samples is inconclusive',
        { allowed: { min: 0.8 } },
        absoluteMeasurement(0.1, 20),
        'inconclusive',
      ],
      [
        'allowedByWave applies at its wave',
        { allowed: { min: 0.8 }, allowedByWave: { 50: { min: 0.5 } } },
        absoluteMeasurement(0.6),
        'pass',
      ],
    ];

  it.each(cases)('%s', (_name, input, measurement, expected) => {
    const judged = judgeCriterion(criterionFixture(input), wave, measurement);
    expect(judged.outcome).toBe(expected);
    expect(judged.evidence.role).toBe('criterion');
    expect(judged.evidence.outcome).toBe(expected);
  });
});

describe('judgeCriterion: an absolute limit is judged by its whole interval', () => {
  const cases: [string, Parameters<typeof criterionFixture>[0], Measurement, CriterionOutcome, string][] = [
    [
      'value above min but interval straddles it: inconclusive',
      { allowed: { min: 0.8 } },
      absoluteMeasurement(0.85, 1000, [0.78, 0.92]),
      'inconclusive',
      'the interval [0.78, 0.92] straddles min 0.8',
    ],
    [
      'whole interval inside: pass',
      { allowed: { min: 0.8 } },
      absoluteMeasurement(0.85, 1000, [0.81, 0.89]),
      'pass',
      'the whole interval [0.81, 0.89] lies at or above min 0.8',
    ],
    [
      'whole interval inside both bounds: pass',
      { allowed: { min: 0.8, max: 0.9 } },
      absoluteMeasurement(0.85, 1000, [0.81, 0.89]),
      'pass',
      'the whole interval [0.81, 0.89] lies inside min 0.8, max 0.9',
    ],
    [
      'whole interval outside: fail',
      { allowed: { min: 0.8 } },
      absoluteMeasurement(0.7, 1000, [0.6, 0.79]),
      'fail',
      'the whole interval [0.6, 0.79] lies below min 0.8',
    ],
    [
      'judge: value passes on the value alone',
      { allowed: { min: 0.8 }, judge: 'value' },
      absoluteMeasurement(0.85, 1000, [0.78, 0.92]),
      'pass',
      'the value 0.85 lies at or above min 0.8 (judged by value)',
    ],
  ];

  it.each(cases)('%s', (_name, input, measurement, expected, explanation) => {
    const judged = judgeCriterion(criterionFixture(input), wave, measurement);
    expect(judged.outcome).toBe(expected);
    expect(judged.evidence.explanation).toBe(explanation);
  });
});
