import { describe, expect, it } from 'vitest';
import { validateSpec } from './parse.ts';
import { type Json, minimalSpec } from './test-fixtures.ts';
import { specWarnings } from './warnings.ts';

// biome-ignore lint/suspicious/noExplicitAny: the cases edit a JSON tree in place, anywhere
type Draft = { [key: string]: any };

function specWith(edit: (spec: Draft) => void): { [key: string]: Json } {
  const spec = minimalSpec();
  edit(spec as Draft);
  return spec;
}

describe('owner, runbook and summary', () => {
  it('resolves a check to its own fields, else the rollout’s', () => {
    const result = validateSpec(
      specWith((s) => {
        s.spec.owner = 'payments-oncall';
        s.spec.runbook = 'https://runbooks.internal/checkout';
        s.spec.summary = '{{check}} at {{value}} (limit {{limit}})';
        s.spec.guardrails[0].runbook = 'https://runbooks.internal/checkout#latency';
        s.spec.guardrails[0].owner = 'edge-oncall';
      }),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const { spec } = result.spec;
    expect(spec.owner).toBe('payments-oncall');
    expect(spec.runbook).toBe('https://runbooks.internal/checkout');
    expect(spec.guardrails[0]).toMatchObject({
      owner: 'edge-oncall',
      runbook: 'https://runbooks.internal/checkout#latency',
      summary: '{{check}} at {{value}} (limit {{limit}})',
    });
    expect(spec.successCriteria[0]).toMatchObject({
      owner: 'payments-oncall',
      runbook: 'https://runbooks.internal/checkout',
    });
  });

  it('leaves them out when nothing declares them', () => {
    const result = validateSpec(minimalSpec());
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.spec.spec.guardrails[0]).not.toHaveProperty('owner');
    expect(result.spec.spec.guardrails[0]).not.toHaveProperty('runbook');
    expect(result.spec.spec).not.toHaveProperty('summary');
  });

  it.each<[string, (s: Draft) => void, string, RegExp]>([
    [
      'a runbook without a scheme',
      (s) => (s.spec.runbook = 'runbooks.internal/checkout'),
      'spec.runbook',
      /absolute http\(s\) URL of a runbook/,
    ],
    [
      'a relative runbook',
      (s) => (s.spec.guardrails[0].runbook = '/wiki/checkout'),
      'spec.guardrails[0].runbook',
      /absolute http\(s\) URL/,
    ],
    [
      'a javascript: runbook',
      (s) => (s.spec.successCriteria[0].runbook = 'javascript:alert(1)'),
      'spec.successCriteria[0].runbook',
      /http\(s\)/,
    ],
    ['an ftp runbook', (s) => (s.spec.runbook = 'ftp://files.internal/runbook'), 'spec.runbook', /http\(s\)/],
    [
      'a runbook too long',
      (s) => (s.spec.runbook = `https://runbooks.internal/${'a'.repeat(2000)}`),
      'spec.runbook',
      /at most 2000/,
    ],
    ['an empty owner', (s) => (s.spec.owner = ''), 'spec.owner', /who is paged/],
    ['an owner on two lines', (s) => (s.spec.owner = 'a\nb'), 'spec.owner', /one line/],
    [
      'an owner as a number',
      (s) => (s.spec.guardrails[0].owner = 7),
      'spec.guardrails[0].owner',
      /who is paged/,
    ],
    [
      'an unknown placeholder',
      (s) => (s.spec.summary = '{{check}} breached in {{env}}'),
      'spec.summary',
      /unknown placeholder \{\{env\}\}; expected one of \{\{rollout\}\}, .*\{\{owner\}\}/,
    ],
    [
      'an expression in a placeholder',
      (s) => (s.spec.guardrails[0].summary = '{{ value * 100 }}%'),
      'spec.guardrails[0].summary',
      /unknown placeholder \{\{value \* 100\}\}/,
    ],
    [
      'an unclosed placeholder',
      (s) => (s.spec.summary = '{{check} breached'),
      'spec.summary',
      /"\{\{" without its pair; write a placeholder as \{\{check\}\}/,
    ],
    [
      'a summary too long',
      (s) => (s.spec.summary = 'x'.repeat(301)),
      'spec.summary',
      /at most 300 characters/,
    ],
    ['a summary on two lines', (s) => (s.spec.summary = 'a\nb'), 'spec.summary', /one line/],
  ])('refuses %s, at its path', (_name, edit, path, gist) => {
    const result = validateSpec(specWith(edit));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const problem = result.problems.find((p) => p.path === path);
    expect(problem?.message).toMatch(gist);
  });

  it('accepts placeholders with spaces inside the braces and text around them', () => {
    const result = validateSpec(
      specWith((s) => (s.spec.summary = '[{{ rollout }}] {{check}}: {{value}} > {{limit}}')),
    );
    expect(result.ok).toBe(true);
  });

  it.each<[string, (s: Draft) => void, string[]]>([
    ['https runbooks', (s) => (s.spec.runbook = 'https://runbooks.internal/a'), []],
    ['a plain http rollout runbook', (s) => (s.spec.runbook = 'http://wiki.internal/a'), ['spec.runbook']],
    [
      'a plain http check runbook',
      (s) => (s.spec.successCriteria[0].runbook = 'http://wiki.internal/b'),
      ['spec.successCriteria[0].runbook'],
    ],
    [
      'a check inheriting the rollout’s http runbook (warned once)',
      (s) => (s.spec.runbook = 'http://wiki.internal/a'),
      ['spec.runbook'],
    ],
  ])('warns about %s', (_name, edit, paths) => {
    const result = validateSpec(specWith(edit));
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const warnings = specWarnings(result.spec).filter((w) => w.message.includes('runbook'));
    expect(warnings.map((w) => w.path)).toEqual(paths);
    for (const warning of warnings) expect(warning.message).toMatch(/plain http.*use https/);
  });
});
