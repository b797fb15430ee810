import { describe, expect, it } from 'vitest';
import type { GuardrailInput } from './check.ts';
import { rolloutSpecSchema } from './schema.ts';
import { minimalSpec } from './test-fixtures.ts';
import { judgedByValueBecause, specWarnings } from './warnings.ts';

function specWith(...guardrails: Partial<GuardrailInput>[]) {
  const spec = minimalSpec();
  return rolloutSpecSchema.parse({
    ...spec,
    spec: {
      ...(spec.spec as object),
      prometheus: { url: 'http://prometheus.internal:9090' },
      guardrails: guardrails.map((g, i) => ({ name: `g${i}`, metric: 'm', allowed: { max: 1 }, ...g })),
    },
  });
}

describe('specWarnings', () => {
  it.each<[string, Partial<GuardrailInput>, string | undefined]>([
    ['a mean (judged by interval)', { aggregate: 'mean' }, undefined],
    ['a ratio (judged by interval)', { metric: { ratio: { numerator: 'e', denominator: 'r' } } }, undefined],
    ['judge: value on one evaluation', { judge: 'value' }, 'judged by value (judge: value)'],
    ['max on one evaluation', { aggregate: 'max' }, 'judged by value (max has no confidence interval)'],
    ['PromQL on one evaluation', { metric: { promql: 'x' } }, 'a PromQL value has no confidence interval'],
    ['max with consecutive: 3', { aggregate: 'max', consecutive: 3 }, undefined],
    ['max that only alerts', { aggregate: 'max', onBreach: 'alert' }, undefined],
  ])('%s', (_name, guardrail, expected) => {
    const warnings = specWarnings(specWith(guardrail));
    if (expected === undefined) expect(warnings).toEqual([]);
    else {
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.path).toBe('spec.guardrails[0].consecutive');
      expect(warnings[0]?.message).toContain(expected);
      expect(warnings[0]?.message).toContain('rollback on a single evaluation');
    }
  });

  it('names every guardrail it warns about, at its own path', () => {
    const warnings = specWarnings(specWith({ aggregate: 'mean' }, { aggregate: 'last' }, { judge: 'value' }));
    expect(warnings.map((w) => w.path)).toEqual([
      'spec.guardrails[1].consecutive',
      'spec.guardrails[2].consecutive',
    ]);
  });

  it('says why a check is judged by value', () => {
    const [g] = specWith({ aggregate: 'p99' }).spec.guardrails;
    expect(judgedByValueBecause(g!)).toBeUndefined();
  });

  it('warns that a rate, count or sum against the control or the baseline moves with the traffic shares', () => {
    const spec = specWith(
      { aggregate: 'rate', compare: 'control', allowed: { min: '-20%' } },
      { aggregate: 'count', compare: 'baseline', allowed: { min: '-20%' } },
      { aggregate: 'rate', allowed: { max: 100 } },
      { aggregate: 'mean', compare: 'control', allowed: { max: '+5%' } },
    );
    const warnings = specWarnings(spec);
    expect(warnings.map((w) => w.path)).toEqual(['spec.guardrails[0].compare', 'spec.guardrails[1].compare']);
    expect(warnings[0]?.message).toContain('g0 compares a rate with the control');
    expect(warnings[1]?.message).toContain('g1 compares a count with the baseline');
    expect(warnings[0]?.message).toContain('compare a ratio (errors / requests) or a mean');
  });
});
