import { describe, expect, it } from 'vitest';
import { allChecks, allowedForWave, checkKind, minSamplesFor } from './check-helpers.ts';
import { parseSpec } from './parse.ts';
import { exampleText } from './test-fixtures.ts';

function copilot() {
  const result = parseSpec(exampleText('contact-center-copilot'));
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.spec;
}

describe('allowedForWave', () => {
  const spec = copilot();
  const compliance = spec.spec.guardrails.find((check) => check.name === 'compliance-errors')!;

  it.each([
    [25, { max: 0.04 }],
    [50, { max: 0.03 }],
    [100, { max: 0.03 }],
  ])('compliance-errors in the %i%% wave allows %j', (percent, allowed) => {
    expect(allowedForWave(compliance, percent)).toEqual(allowed);
  });

  it('keeps a bound the wave override leaves out', () => {
    const check = { allowed: { min: 0.1, max: 0.3 }, allowedByWave: { '25': { max: 0.4 } } };
    expect(allowedForWave(check, 25)).toEqual({ min: 0.1, max: 0.4 });
    expect(allowedForWave(check, 50)).toEqual({ min: 0.1, max: 0.3 });
  });
});

describe('checkKind and allChecks', () => {
  it('lists guardrails then success criteria, each with its kind', () => {
    const checks = allChecks(copilot());
    expect(checks.map((check) => [check.name, checkKind(check)])).toEqual([
      ['handle-time-regression', 'guardrail'],
      ['compliance-errors', 'guardrail'],
      ['copilot-latency', 'guardrail'],
      ['handle-time-improvement', 'successCriterion'],
      ['csat', 'successCriterion'],
      ['adoption', 'successCriterion'],
    ]);
  });
});

describe('minSamplesFor', () => {
  it.each([
    [{}, { minSamples: 2000 }, 2000],
    [{ minSamples: 50 }, { minSamples: 2000 }, 50],
  ])('check %j in wave %j needs %i', (check, wave, expected) => {
    expect(minSamplesFor(check, wave)).toBe(expected);
  });
});
