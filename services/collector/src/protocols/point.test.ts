import { describe, expect, it } from 'vitest';
import { seriesKey } from './point.ts';

describe('seriesKey', () => {
  it('does not depend on attribute order', () => {
    expect(seriesKey('m', { b: '2', a: '1' })).toBe(seriesKey('m', { a: '1', b: '2' }));
  });

  it.each([
    ['different names', ['m', { a: '1' }], ['n', { a: '1' }]],
    ['different values', ['m', { a: '1' }], ['m', { a: '2' }]],
    ['a separator inside a value', ['m', { a: '1","b', c: '' }], ['m', { a: '1', b: '', c: '' }]],
    ['a key moved into a value', ['m', { a: 'b' }], ['m', { ab: '' }]],
  ] as const)('tells apart %s', (_name, [n1, a1], [n2, a2]) => {
    expect(seriesKey(n1, a1)).not.toBe(seriesKey(n2, a2));
  });
});
