import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durationOf, formatDuration, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['7d', 604_800_000],
    ['0s', 0],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ms, text });
  });

  it.each(['', '5', '1.5h', '-1h', '1w', '1 h', '1H', 'h', '10sec'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [302_400_000, '84h'],
    [86_400_000, '1d'],
    [90_000, '90s'],
    [1_500, '1500ms'],
    [0, '0ms'],
  ])('writes %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(durationOf(ms)).toEqual({ ms, text });
  });
});

describe('durations round-trip', () => {
  it('formatDuration writes text that parses back to the same milliseconds', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10 ** 12 }), (ms) => {
        expect(parseDuration(formatDuration(ms))?.ms).toBe(ms);
      }),
    );
  });
});
