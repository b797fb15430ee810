import { describe, expect, it } from 'vitest';
import { Parser } from 'yaml';
import { shapeViolation } from './spec-shape.ts';

const LIMITS = { maxKeys: 10, maxDepth: 4 };
const nestedMaps = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const blockMaps = (levels: number) =>
  `${Array.from({ length: levels }, (_, i) => `${' '.repeat(i * 2)}a:`).join('\n')} 1`;
const keys = (count: number) => Array.from({ length: count }, (_, i) => `k${i}: ${i}`).join('\n');

describe('a spec text’s shape', () => {
  it.each([
    ['JSON maps 4 deep', nestedMaps(4), undefined],
    ['JSON maps 5 deep', nestedMaps(5), 'nested deeper than 4 levels'],
    ['flow lists 4 deep', '[[[[1]]]]', undefined],
    ['flow lists 5 deep', '[[[[[1]]]]]', 'nested deeper than 4 levels'],
    ['block maps 4 deep', blockMaps(4), undefined],
    ['block maps 5 deep', blockMaps(5), 'nested deeper than 4 levels'],
    ['block lists 5 deep', '- - - - - 1', 'nested deeper than 4 levels'],
    ['10 keys', keys(10), undefined],
    ['11 keys', keys(11), 'more than 10 keys'],
    [
      '11 keys of flow maps',
      `{${Array.from({ length: 11 }, (_, i) => `"k${i}": 1`).join(', ')}}`,
      'more than 10 keys',
    ],
    ['11 list items', `[${Array.from({ length: 11 }, (_, i) => i).join(', ')}]`, 'more than 10 keys'],
    ['11 block list items', Array.from({ length: 11 }, (_, i) => `- ${i}`).join('\n'), 'more than 10 keys'],
    ['5 keys and 5 items', `${keys(4)}\nlist: [1, 2, 3, 4, 5]`, undefined],
    ['a syntax error', 'a: [1, 2', undefined],
  ])('%s', (_, text, violation) => {
    const found = shapeViolation(new Parser().parse(text), LIMITS);
    if (violation === undefined) expect(found).toBeUndefined();
    else expect(found?.message).toContain(violation);
  });

  it('measures 20,000 levels without exhausting the stack, at the offset where the limit is crossed', () => {
    const found = shapeViolation(new Parser().parse(nestedMaps(20_000)), { maxKeys: 1e9, maxDepth: 32 });
    expect(found?.message).toBe(
      'nested deeper than 32 levels (SPEC_MAX_DEPTH); a rollout spec needs about 7',
    );
    expect(found?.offset).toBe(33 * 5);
  });
});
