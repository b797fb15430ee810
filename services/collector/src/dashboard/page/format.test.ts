import { describe, expect, it } from 'vitest';
import {
  allowedText,
  boundValue,
  checkValue,
  duration,
  formatValue,
  isRelativeCheck,
  number,
  percent,
} from './format.ts';

describe('number', () => {
  it.each([
    [0, '0'],
    [0.02, '0.02'],
    [0.0171234, '0.01712'],
    [1234.5678, '1235'],
    [2_500_000, '2.500e+6'],
    [0.00001, '1.000e-5'],
    [-0.5, '-0.5'],
    [null, '—'],
    [Number.NaN, '—'],
    [Number.POSITIVE_INFINITY, '—'],
  ])('%s → %s', (value, text) => expect(number(value)).toBe(text));
});

describe('percent', () => {
  it.each([
    [0.052, '+5.2%'],
    [-0.1, '-10%'],
    [0, '0%'],
    [0.123456, '+12.3%'],
    [undefined, '—'],
  ])('%s → %s', (value, text) => expect(percent(value)).toBe(text));
});

describe('duration', () => {
  it.each([
    [0, '0s'],
    [59_400, '59s'],
    [61_000, '1m 1s'],
    [3_600_000 + 120_000, '1h 2m'],
    [49 * 3_600_000, '2d 1h'],
    [-5000, '0s'],
  ])('%s ms → %s', (ms, text) => expect(duration(ms)).toBe(text));
});

describe('a check’s value in the units of its limit', () => {
  it.each([
    // compare, allowed, relative?
    ['absolute', { max: 0.03 }, false],
    ['absolute', { max: '+5%' }, false],
    ['control', { max: '+5%' }, true],
    ['baseline', { min: '-1%', max: '+5%' }, true],
    ['control', { max: 0.01 }, false],
    ['control', { min: -1, max: '+5%' }, false],
    ['control', {}, false],
  ] as const)('%s with %j: relative %s', (compare, allowed, relative) => {
    expect(isRelativeCheck({ compare, allowed })).toBe(relative);
    expect(formatValue({ compare, allowed }, 0.05)).toBe(relative ? '+5%' : '0.05');
  });

  it('shows the value and its interval', () => {
    const check = { compare: 'control', allowed: { max: '+5%' } } as const;
    expect(checkValue({ ...check, value: 0.021, interval: [0.01, 0.032] })).toBe('+2.1% [+1%, +3.2%]');
    expect(checkValue({ ...check, value: null, interval: null })).toBe('—');
    expect(
      checkValue({ compare: 'absolute', allowed: { max: 0.03 }, value: 0.02, interval: [0.0171, 0.0233] }),
    ).toBe('0.02 [0.0171, 0.0233]');
  });
});

describe('allowed', () => {
  it.each([
    [{ max: 0.03 }, 'max 0.03'],
    [{ min: '-1%', max: '+5%' }, 'min -1%, max +5%'],
    [{ min: -1 }, 'min -1'],
    [{}, 'any'],
  ])('%j reads %s', (allowed, text) => expect(allowedText(allowed)).toBe(text));

  it.each([
    [0.03, 0.03],
    ['+5%', 0.05],
    ['-10%', -0.1],
    [undefined, null],
    ['5', null],
  ])('bound %j is plotted at %s', (bound, value) => {
    const plotted = boundValue(bound);
    if (value === null) expect(plotted).toBeNull();
    else expect(plotted).toBeCloseTo(value, 12);
  });
});
