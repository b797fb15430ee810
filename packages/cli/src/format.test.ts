import { describe, expect, it } from 'vitest';
import { colorsFor } from './colors.ts';
import { formatAllowed, formatInterval, formatNumber, formatSpan, paintState } from './format.ts';

describe('formatting', () => {
  it.each([
    [0, '0s'],
    [59_400, '59s'],
    [61_000, '1m 1s'],
    [3_600_000 * 30 + 120_000, '1d 6h'],
    [-5, '0s'],
  ])('formatSpan(%i) = %s', (ms, text) => {
    expect(formatSpan(ms)).toBe(text);
  });

  it('writes numbers, intervals and limits compactly', () => {
    expect([
      formatNumber(null),
      formatNumber(3),
      formatNumber(0.041234),
      formatNumber(12345.6),
      formatNumber(-Infinity),
    ]).toEqual(['—', '3', '0.04123', '12345.6', '−∞']);
    expect(formatInterval([0.01, null])).toBe('[0.01000, —]');
    expect(formatAllowed({ min: -1, max: '+5%' })).toBe('min -1, max +5%');
  });
});

describe('colours', () => {
  it.each([
    [{ isTTY: true }, {}, true],
    [{ isTTY: false }, {}, false],
    [{ isTTY: true }, { NO_COLOR: '1' }, false],
    [{ isTTY: false }, { FORCE_COLOR: '1' }, true],
  ])('stream %j with env %j: colours %s', (stream, env, enabled) => {
    const painted = paintState('breached', colorsFor(stream, env));
    expect(painted !== 'breached').toBe(enabled);
  });
});
