import { describe, expect, it } from 'vitest';
import { validateSpec } from './parse.ts';
import { type Json, minimalSpec } from './test-fixtures.ts';

// biome-ignore lint/suspicious/noExplicitAny: the cases edit a JSON tree in place
type Draft = { [key: string]: any };

const shape = {
  name: 'latency-shape',
  metric: 'http_duration_seconds',
  aggregate: 'distribution',
  compare: 'control',
  tolerance: 0.05,
};

function withGuardrail(guardrail: Draft): Json {
  const spec = minimalSpec() as Draft;
  spec.spec.guardrails = [guardrail];
  return spec as Json;
}

describe('aggregate: distribution', () => {
  it('resolves its tolerance into the bound on the distance, and keeps declared boundaries', () => {
    const result = validateSpec(withGuardrail({ ...shape, boundaries: [0.1, 0.25, 0.5] }));
    expect(result.ok, JSON.stringify(!result.ok && result.problems)).toBe(true);
    if (!result.ok) return;
    const guardrail = result.spec.spec.guardrails[0]!;
    expect(guardrail.aggregate).toBe('distribution');
    expect(guardrail.distribution).toEqual({ tolerance: 0.05, boundaries: [0.1, 0.25, 0.5] });
    expect(guardrail.allowed).toEqual({ max: 0.05 });
    expect(guardrail.quantile).toBeUndefined();
  });

  it('leaves boundaries out when the spec does', () => {
    const result = validateSpec(withGuardrail({ ...shape, compare: 'baseline' }));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.spec.spec.guardrails[0]!.distribution).toEqual({ tolerance: 0.05 });
  });

  const problems: [string, Draft, string, RegExp][] = [
    ['no compare', { ...shape, compare: undefined }, 'compare', /compare: control/],
    ['compare absolute', { ...shape, compare: 'absolute' }, 'compare', /compared with a reference/],
    ['no tolerance', { ...shape, tolerance: undefined }, 'tolerance', /missing; expected the tolerance/],
    ['tolerance of 5 (a percent)', { ...shape, tolerance: 5 }, 'tolerance', /less than 1, like 0.05/],
    ['tolerance of 0', { ...shape, tolerance: 0 }, 'tolerance', /greater than 0/],
    ['allowed as well', { ...shape, allowed: { max: 0.05 } }, 'allowed', /judged against its tolerance/],
    [
      'allowedByWave as well',
      { ...shape, allowedByWave: { 25: { max: 0.1 } } },
      'allowedByWave',
      /judged against its tolerance/,
    ],
    [
      'boundaries out of order',
      { ...shape, boundaries: [0.5, 0.1] },
      'boundaries',
      /increasing order without repeats/,
    ],
    ['boundaries empty', { ...shape, boundaries: [] }, 'boundaries', /at least one boundary/],
    [
      'too many boundaries',
      { ...shape, boundaries: Array.from({ length: 65 }, (_, i) => i) },
      'boundaries',
      /at most 64/,
    ],
    [
      'a PromQL metric',
      { ...shape, metric: { promql: 'x', url: 'http://prometheus:9090' } },
      'aggregate',
      /PromQL value has no distribution/,
    ],
    [
      'tolerance on a mean check',
      { name: 'm', metric: 'm', allowed: { max: 1 }, tolerance: 0.05 },
      'tolerance',
      /set aggregate: distribution/,
    ],
    [
      'boundaries on a p99 check',
      { name: 'm', metric: 'm', aggregate: 'p99', allowed: { max: 1 }, boundaries: [1] },
      'boundaries',
      /belongs to a distribution check/,
    ],
    ['a mean check without allowed', { name: 'm', metric: 'm' }, 'allowed', /missing; expected the range/],
  ];

  it.each(problems)('refuses %s, at the field', (_, guardrail, field, gist) => {
    const edited = Object.fromEntries(Object.entries(guardrail).filter(([, v]) => v !== undefined));
    const result = validateSpec(withGuardrail(edited));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const path = `spec.guardrails[0].${field}`;
    const atPath = result.problems.filter((p) => p.path === path);
    expect(atPath, JSON.stringify(result.problems, null, 2)).not.toHaveLength(0);
    expect(atPath.map((p) => p.message).join('\n')).toMatch(gist);
  });
});
