import { describe, expect, it } from 'vitest';
import { parseRateLimitReset, parseRetryAfter } from './retry-after.ts';

const now = Date.parse('2026-11-21T10:00:00Z');

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120_000],
    [' 0 ', 0],
    ['Sat, 21 Nov 2026 10:00:30 GMT', 30_000],
    ['Saturday, 21-Nov-26 10:01:00 GMT', 60_000],
    ['Sat Nov 21 10:00:05 2026', 5_000],
    ['Sat, 21 Nov 2026 09:00:00 GMT', 0],
    [null, undefined],
    ['', undefined],
    ['-5', undefined],
    ['1.5', undefined],
    ['soon', undefined],
    ['2026', 2_026_000],
    ['2026-11-21T10:00:30Z', undefined],
  ])('%j → %s ms', (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});

describe('parseRateLimitReset (LaunchDarkly, epoch milliseconds)', () => {
  it.each([
    [String(now + 42_000), 42_000],
    [String(now - 1_000), 0],
    [null, undefined],
    ['', undefined],
    ['42', undefined],
    ['Sat, 21 Nov 2026 10:00:30 GMT', undefined],
  ])('%j → %s ms', (header, expected) => {
    expect(parseRateLimitReset(header, now)).toBe(expected);
  });
});
