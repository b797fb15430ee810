import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeState, parseState, type SeriesCell, SeriesStateCache, StateEncoder } from './series-state.ts';

describe('series states', () => {
  it('read back exactly what was written, whatever the numbers', () => {
    const field = fc.stringMatching(/^[a-z][a-zA-Z0-9:_+.-]{0,20}$/);
    const number = fc.double({ noNaN: true });
    // One encoder throughout, as a collector has: what it keeps from one state must not leak into the next.
    const encoder = new StateEncoder(4);
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.dictionary(field, number), (startMs, timeMs, fields) => {
        const { raw } = encoder.encode({ startMs, timeMs, fields });
        expect(parseState(raw as string)).toEqual({
          startMs,
          timeMs,
          fields: Object.fromEntries(Object.entries(fields).map(([f, x]) => [f, x === 0 ? 0 : x])),
        });
      }),
    );
  });

  it('keep a histogram vector as it is', () => {
    const point = {
      startMs: 1_700_000_000_000,
      timeMs: 1_700_000_010_000,
      fields: { n: 3, s: -0.25, 'b:Xy3_-a:0.5': 2, 'e:-2:n:-7': 1 },
    };
    expect(encodeState(point).raw).toBe('1700000000000 1700000010000 n=3 s=-0.25 b:Xy3_-a:0.5=2 e:-2:n:-7=1');
    expect(parseState(encodeState(point).raw as string)).toEqual(point);
  });

  it.each([
    '',
    '12',
    'x 1',
    '1 2 ci',
    '1 2 =4',
    '1 2 ci=',
    '1 2 ci=abc',
    '1 2 c\ni=4',
    '{"st":1,"ts":2,"v":{}}',
  ])('say they cannot read %j', (text) => {
    expect(parseState(text)).toBeUndefined();
  });

  it('call a key busy while a call of its own is in Redis with it, or for ten minutes after another writer was found', () => {
    const cache = new SeriesStateCache();
    const key = 'rg:{r}:series-state2:m';
    const other = 'rg:{r}:series-state2:other';
    expect(cache.busy(key, 1_000_000)).toBe(false);
    // Calls of its own in flight: busy until the last one's reply is taken in.
    const first = cache.sending([key]);
    const second = cache.sending([key, other]);
    first();
    expect(cache.busy(key, 1_000_000)).toBe(true);
    second();
    expect([cache.busy(key, 1_000_000), cache.busy(other, 1_000_000)]).toEqual([false, false]);
    // Its own tokens, one after another, or a hash that lost its token: no other writer.
    const own = cache.newToken();
    cache.extendChain(key, '', own, 1_000_000);
    cache.extendChain(key, own, cache.newToken(), 1_000_000);
    cache.extendChain(key, '', cache.newToken(), 1_000_000);
    expect(cache.busy(key, 1_000_000)).toBe(false);
    // Another collector's token found: busy until ten minutes later.
    cache.extendChain(key, new SeriesStateCache().newToken(), cache.newToken(), 1_000_000);
    expect(cache.busy(key, 1_599_999)).toBe(true);
    expect(cache.busy(key, 1_600_000)).toBe(false);
    cache.contend(key, 2_000_000);
    expect(cache.busy(key, 2_000_001)).toBe(true);
    expect(cache.busy(other, 2_000_001)).toBe(false);
    // A clock set back by an hour does not make it last an hour longer.
    expect(cache.busy(key, 2_000_000 - 3_600_000)).toBe(false);
  });

  it('stay bounded: a full cache is dropped whole and refilled', () => {
    const cache = new SeriesStateCache(3);
    const [a] = ['a', 'b', 'c'].map((sid) => cache.cell('r', sid));
    a?.setState('k', null);
    expect(cache.cell('r', 'a')).toBe(a);
    expect(cache.cell('r', 'a').state('k')).toBeNull();
    const d = cache.cell('r', 'd');
    expect(cache.holds(a as SeriesCell)).toBe(false);
    expect(cache.holds(d)).toBe(true);
    expect(cache.cell('r', 'a').state('k')).toBeUndefined();
  });

  it('forget the cells no batch used since the last sweep', () => {
    const cache = new SeriesStateCache();
    const [a, b] = ['a', 'b'].map((sid) => cache.cell('r', sid)) as [SeriesCell, SeriesCell];
    const other = cache.cell('q', 'a');
    a.setState('k', null, cache.extendChain('k', '', cache.newToken(), 0));
    b.setState('k', null);
    expect(a.vouches('k', null, cache.chain('k').epoch)).toBe(true);
    // Made in this round: kept by the first sweep, which changes nothing a call relies on.
    const forgets = cache.forgets;
    expect(cache.forgetIdle()).toBe(0);
    expect(cache.forgets).toBe(forgets);
    a.seen = cache.round;
    expect(cache.forgetIdle()).toBe(2);
    expect(cache.forgets).toBe(forgets + 1);
    expect(cache.size).toBe(1);
    expect(cache.holds(a)).toBe(true);
    expect(cache.holds(b)).toBe(false);
    expect(cache.holds(other)).toBe(false);
    expect(cache.cell('r', 'a')).toBe(a);
    // A call begun before the sweep may still hold a forgotten cell: no state stamped before vouches.
    expect(a.state('k')).toBeNull();
    expect(a.vouches('k', null, cache.chain('k').epoch)).toBe(false);
    // Made anew, its state to be read from Redis again.
    const b2 = cache.cell('r', 'b');
    expect(b2).not.toBe(b);
    expect(b2.state('k')).toBeUndefined();
    expect(cache.holds(b2)).toBe(true);
  });

  it("keep a series apart per state key, and forget one state or a rollout's marks", () => {
    const cache = new SeriesStateCache();
    const cell = cache.cell('r', 's');
    const other = cache.cell('q', 's');
    const state = encodeState({ startMs: 1, timeMs: 2, fields: { ci: 3 } });
    cell.setState('x', state);
    cell.setState('x_count', null);
    expect(cell.state('x')).toBe(state);
    expect(cell.state('x_count')).toBeNull();
    cell.forgetState('x');
    expect(cell.state('x')).toBeUndefined();
    expect(cell.state('x_count')).toBeNull();
    cell.markedAt = 5;
    other.markedAt = 6;
    cache.forgetMarks('r');
    expect(cell.markedAt).toBe(Number.NEGATIVE_INFINITY);
    expect(other.markedAt).toBe(6);
  });
});
