import type { Allowed } from '@rollout-guard/shared/spec';
import { describe, expect, it } from 'vitest';
import {
  allowedAsWritten,
  appliedLimit,
  boundKindsOf,
  boundOf,
  differencesNeeded,
  limitAsWritten,
  type Placement,
  placeInAllowed,
} from './limit.ts';
import type { Interval } from './measurement.ts';
import { specFixture } from './spec-fixture.ts';

const pct = (relativePercent: number) => ({ relativePercent });

describe('placeInAllowed', () => {
  const cases: [string, Allowed, { absolute?: Interval; relative?: Interval }, Placement][] = [
    ['interval wholly above max', { max: 0 }, { absolute: [0.002, 0.015] }, 'outside'],
    [
      'interval touching max from below is inside (bounds inclusive)',
      { max: 0 },
      { absolute: [-0.01, 0] },
      'inside',
    ],
    ['interval straddling max', { max: 0 }, { absolute: [-0.001, 0.004] }, 'straddles'],
    ['interval wholly below min', { min: -1 }, { absolute: [-2.5, -1.2] }, 'outside'],
    ['interval straddling min', { min: -1 }, { absolute: [-1.5, 0.5] }, 'straddles'],
    ['interval wholly above min', { min: -1 }, { absolute: [-0.9, 0.5] }, 'inside'],
    ['lower bound equal to min is inside', { min: -1 }, { absolute: [-1, 0] }, 'inside'],
    [
      '"+5%" reads the relative interval, not the absolute',
      { max: pct(5) },
      { absolute: [1, 2], relative: [0.06, 0.09] },
      'outside',
    ],
    [
      '"+5%" with the relative interval straddling 0.05',
      { max: pct(5) },
      { relative: [0.01, 0.09] },
      'straddles',
    ],
    [
      '"-10%" as a max: an improvement of more than 10%',
      { max: pct(-10) },
      { relative: [-0.2, -0.12] },
      'inside',
    ],
    ['"-10%" as a max, improvement too small', { max: pct(-10) }, { relative: [-0.05, -0.01] }, 'outside'],
    ['min and max, interval inside both', { min: -1, max: 1 }, { absolute: [-0.5, 0.5] }, 'inside'],
    ['min and max, interval wider than the range', { min: -1, max: 1 }, { absolute: [-5, 5] }, 'straddles'],
    [
      'min and max of different kinds',
      { min: -1, max: pct(5) },
      { absolute: [-0.5, 0.5], relative: [0.07, 0.08] },
      'outside',
    ],
    ['a bound whose quantity was not measured', { max: pct(5) }, { absolute: [0, 1] }, 'unknown'],
    ['unknown does not hide a violated bound', { min: 0, max: pct(5) }, { absolute: [-3, -2] }, 'outside'],
  ];
  it.each(cases)('%s', (_name, allowed, intervals, expected) => {
    expect(placeInAllowed(allowed, (kind) => intervals[kind])).toBe(expected);
  });
});

describe('bounds as written', () => {
  it.each([
    [0.03, { kind: 'absolute', value: 0.03 }, 0.03],
    [pct(5), { kind: 'relative', value: 0.05 }, '+5%'],
    [pct(-10), { kind: 'relative', value: -0.1 }, '-10%'],
    [pct(0), { kind: 'relative', value: 0 }, '+0%'],
  ] as const)('%j', (limit, bound, written) => {
    expect(boundOf(limit)).toEqual(bound);
    expect(limitAsWritten(limit)).toBe(written);
  });

  it('writes a whole range back and reads which differences it needs', () => {
    const written = allowedAsWritten({ min: -1, max: pct(5) });
    expect(written).toEqual({ min: -1, max: '+5%' });
    expect(boundKindsOf(written)).toEqual(['absolute', 'relative']);
  });
});

describe('appliedLimit and differencesNeeded', () => {
  const spec = specFixture({
    guardrails: [
      {
        name: 'errors',
        metric: 'errors_total',
        compare: 'control',
        allowed: { max: '+5%' },
        allowedByWave: { 25: { max: 0.04 }, 50: { min: -2 } },
      },
    ],
  });
  const check = spec.spec.guardrails[0]!;

  it('uses allowed in a wave without an override', () => {
    expect(appliedLimit(check, 100)).toEqual({ allowed: { max: pct(5) }, source: 'allowed' });
    expect(differencesNeeded(check, 100)).toEqual(['relative']);
  });

  it('lets allowedByWave replace the bounds it declares for its wave', () => {
    expect(appliedLimit(check, 25)).toEqual({ allowed: { max: 0.04 }, source: 'allowedByWave.25' });
    expect(differencesNeeded(check, 25)).toEqual(['absolute']);
  });

  it('keeps the bounds allowedByWave leaves out', () => {
    expect(appliedLimit(check, 50)).toEqual({
      allowed: { max: pct(5), min: -2 },
      source: 'allowedByWave.50',
    });
    expect(differencesNeeded(check, 50).sort()).toEqual(['absolute', 'relative']);
  });

  it('needs no difference for an absolute check', () => {
    expect(differencesNeeded({ ...check, compare: 'absolute' }, 25)).toEqual([]);
  });
});
