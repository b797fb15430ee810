import { describe, expect, it } from 'vitest';
import { formatProblems } from './format-problems.ts';

describe('formatProblems', () => {
  const problems = [
    {
      path: 'spec.guardrails[1].allowed.max',
      message: 'expected a number or a percentage like "+5%"',
      line: 12,
      column: 7,
    },
    { path: 'spec.waves', message: 'expected at least one wave' },
    { path: '', message: 'YAML: bad indentation', line: 3, column: 1 },
  ];

  it('writes file:line:col  path: message, one per line', () => {
    expect(formatProblems(problems, 'rollout.yaml')).toBe(
      [
        'rollout.yaml:12:7  spec.guardrails[1].allowed.max: expected a number or a percentage like "+5%"',
        'rollout.yaml  spec.waves: expected at least one wave',
        'rollout.yaml:3:1  (document): YAML: bad indentation',
      ].join('\n'),
    );
  });

  it('leaves out what it does not know', () => {
    expect(formatProblems(problems)).toBe(
      [
        '12:7  spec.guardrails[1].allowed.max: expected a number or a percentage like "+5%"',
        'spec.waves: expected at least one wave',
        '3:1  (document): YAML: bad indentation',
      ].join('\n'),
    );
  });
});
