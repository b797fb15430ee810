import { describe, expect, it } from 'vitest';
import { jsonDepthOverflow } from './json-depth.ts';

describe('jsonDepthOverflow', () => {
  it.each([
    ['a flat object', '{"a": 1}', 1, undefined],
    ['two levels within two', '{"a": [1]}', 2, undefined],
    ['two levels over one', '{"a": [1]}', 1, 6],
    ['brackets inside strings', '{"a": "[[[{{{"}', 1, undefined],
    ['an escaped quote inside a string', '{"a": "\\"[[["}', 1, undefined],
    ['escaped backslashes before a closing quote', '{"a": "\\\\", "b": [[1]]}', 2, 18],
    ['an escaped quote after escaped backslashes', '{"a": "\\\\\\"[[", "b": 1}', 1, undefined],
    ['a string that does not end', '{"a": "[[[', 1, undefined],
    ['siblings at the same depth', '[[1], [2], [3]]', 2, undefined],
    ['a deep body', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, 64, 64],
  ])('%s', (_, text, max, offset) => {
    expect(jsonDepthOverflow(text, max)).toBe(offset);
  });
});
