import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seriesKey } from '../protocols/point.ts';
import { SeriesIds } from './series-id.ts';

/** The first 96 bits of the SHA-1, as 16 base64url characters. */
const sha1 = (key: string) => createHash('sha1').update(key).digest().subarray(0, 12).toString('base64url');

describe('SeriesIds', () => {
  const ids = new SeriesIds();
  const seriesId = (name: string, attributes: Record<string, string>) => ids.idOf(name, attributes);
  it.each([
    ['a plain series', 'errors_total', { service: 'api', variant: 'on' }],
    ['no attributes', 'up', {}],
    ['dots and quotes', 'handle.time', { 'service.name': 'a"b', x: '' }],
  ])('is the SHA-1 of the series key, cut to 96 bits: %s', (_case, name, attributes) => {
    expect(seriesId(name, attributes)).toBe(sha1(seriesKey(name, attributes)));
  });

  it('gives one record different ids under different metric names', () => {
    const shared = { service: 'api' };
    const a = seriesId('a_total', shared);
    const b = seriesId('b_total', shared);
    expect(a).not.toBe(b);
    expect(seriesId('a_total', shared)).toBe(a);
    expect(b).toBe(sha1(seriesKey('b_total', shared)));
  });

  it('gives equal series in distinct records the same id, whatever the attribute order', () => {
    expect(seriesId('m', { a: '1', b: '2' })).toBe(seriesId('m', { b: '2', a: '1' }));
  });

  it('tells apart records that differ in one value', () => {
    expect(seriesId('m', { a: '1' })).not.toBe(seriesId('m', { a: '2' }));
  });

  it('stays exact past the key cache bound', () => {
    const bounded = new SeriesIds(1000);
    for (let i = 0; i < 2500; i++) {
      const attributes = { i: String(i) };
      expect(bounded.idOf('m', attributes)).toBe(sha1(seriesKey('m', attributes)));
    }
    expect(bounded.idOf('m', { i: '7' })).toBe(sha1(seriesKey('m', { i: '7' })));
  });
});
