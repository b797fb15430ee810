import { describe, expect, it } from 'vitest';
import { int64ToNumber, nanosToMs } from './nanos.ts';

/** A Long as protobufjs decodes it, from a decimal string, without depending on the long package. */
function long(decimal: string, unsigned = true) {
  const v = BigInt.asUintN(64, BigInt(decimal));
  return { low: Number(v & 0xffffffffn) | 0, high: Number(v >> 32n) | 0, unsigned };
}

describe('nanosToMs', () => {
  it.each([
    ['decimal string', '1700000000000999999', 1700000000000],
    ['Long just below a millisecond boundary', long('1700000000000999999'), 1700000000000],
    ['Long on a millisecond boundary', long('1700000000001000000'), 1700000000001],
    ['Long beyond 2^53', long('18446744073709551615'), 18446744073709],
    ['string shorter than a millisecond', '999999', 0],
    ['number', 1_700_000_000_123_000_000, 1700000000123],
    ['bigint', 1700000000000999999n, 1700000000000],
    ['zero', 0, 0],
  ] as const)('%s', (_name, input, expected) => {
    expect(nanosToMs(input)).toBe(expected);
  });

  it.each([
    ['negative Long', long('-5', false)],
    ['not digits', '17e17'],
    ['negative number', -1],
    ['fraction', 1.5],
    ['object', {}],
  ])('rejects %s', (_name, input) => {
    expect(nanosToMs(input)).toBeUndefined();
  });

  it('agrees with bigint arithmetic on random 64-bit values', () => {
    for (let i = 0; i < 1000; i++) {
      const hi = Math.floor(Math.random() * 2 ** 32);
      const lo = Math.floor(Math.random() * 2 ** 32);
      const exact = Number(((BigInt(hi) << 32n) | BigInt(lo)) / 1000000n);
      expect(nanosToMs({ high: hi | 0, low: lo | 0, unsigned: true })).toBe(exact);
    }
  });
});

describe('int64ToNumber', () => {
  it.each([
    ['signed negative Long', long('-42', false), -42],
    ['unsigned Long', long('4294967296'), 4294967296],
    ['string', '-7', -7],
    ['number', 12, 12],
    ['bigint', 3n, 3],
  ] as const)('%s', (_name, input, expected) => {
    expect(int64ToNumber(input)).toBe(expected);
  });

  it.each([['1.5'], [1.5], ['x'], [null]])('rejects %j', (input) => {
    expect(int64ToNumber(input)).toBeUndefined();
  });
});
