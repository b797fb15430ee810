import { describe, expect, it } from 'vitest';
import { jsonChanges } from './json-diff.ts';

describe('jsonChanges', () => {
  it.each([
    ['equal values', { a: 1, b: [1, 2] }, { a: 1, b: [1, 2] }, []],
    [
      'a changed leaf',
      { a: { b: 1 } },
      { a: { b: 2 } },
      [{ path: 'a.b', kind: 'changed', before: 1, after: 2 }],
    ],
    ['an added key', { a: 1 }, { a: 1, c: 'x' }, [{ path: 'c', kind: 'added', after: 'x' }]],
    ['a removed list item', { l: [1, 2] }, { l: [1] }, [{ path: 'l[1]', kind: 'removed', before: 2 }]],
    [
      'a type change',
      { a: [1] },
      { a: { x: 1 } },
      [{ path: 'a', kind: 'changed', before: [1], after: { x: 1 } }],
    ],
    [
      'an odd key',
      { 'service.name': 'a' },
      { 'service.name': 'b' },
      [{ path: '["service.name"]', kind: 'changed', before: 'a', after: 'b' }],
    ],
  ])('%s', (_, before, after, expected) => {
    expect(jsonChanges(before, after).map(({ segments: _s, ...change }) => change)).toEqual(expected);
  });
});
