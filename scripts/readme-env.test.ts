import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CollectorEnv } from '../services/collector/src/env.ts';
import { EvaluatorEnv } from '../services/evaluator/src/env.ts';

// The README's configuration tables are written by hand; this keeps them from going stale.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
// Biome pads table cells, so a row is found by its first cell whatever the padding.
const rowOf = (variable: string) =>
  readme.split('\n').find((line) => line.match(/^\| `([A-Z_]+)` +\|/)?.[1] === variable);

describe('README configuration tables', () => {
  it.each([
    ['collector', Object.keys(CollectorEnv.shape)],
    ['evaluator', Object.keys(EvaluatorEnv.shape)],
  ])('list every %s variable', (_service, variables) => {
    const missing = variables.filter((variable) => rowOf(variable) === undefined);
    expect(missing).toEqual([]);
  });

  it.each([
    ['collector', CollectorEnv],
    ['evaluator', EvaluatorEnv],
  ] as const)('state the %s defaults the code uses', (_service, schema) => {
    const defaults = schema.parse({});
    for (const [variable, value] of Object.entries(defaults)) {
      const unset = value === '' || (Array.isArray(value) && value.length === 0);
      expect(rowOf(variable), variable).toMatch(unset ? /^\| `\w+` +\| — +\|/ : `\`${value}\``);
    }
  });
});
