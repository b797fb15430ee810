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

  it('never holds more ids than its limit, and never forgets them all at once', () => {
    const bounded = new SeriesIds(1000);
    for (let i = 0; i < 2500; i++) {
      bounded.idOf('m', { i: String(i) });
      expect(bounded.size).toBe(Math.min(i + 1, 1000));
    }
    // The last thousand are the ones remembered.
    expect(bounded.remembers('m', { i: '1499' })).toBe(false);
    expect(bounded.remembers('m', { i: '1500' })).toBe(true);
    expect(bounded.remembers('m', { i: '2499' })).toBe(true);
  });

  it('forgets the least recently used id first: a series seen again stays', () => {
    const bounded = new SeriesIds(3);
    for (const i of ['a', 'b', 'c']) bounded.idOf('m', { i });
    bounded.idOf('m', { i: 'a' });
    bounded.idOf('m', { i: 'd' });
    expect(['a', 'b', 'c', 'd'].filter((i) => bounded.remembers('m', { i }))).toEqual(['a', 'c', 'd']);
  });

  it('holds every series of four senders of 8,000 by default, where 20,000 missed each one', () => {
    const defaults = new SeriesIds();
    expect(defaults.limit).toBe(50_000);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 32_000; i++) defaults.idOf('m', { i: String(i) });
    }
    expect(defaults.size).toBe(32_000);
    expect(defaults.remembers('m', { i: '0' })).toBe(true);
  });
});
