import { describe, expect, it } from 'vitest';
import { restartConfidence, trailingWindow } from './trailing-window.ts';

const HOUR = 3_600_000;

describe('trailingWindow', () => {
  const cases: [string, number, { from: number; restart: number }][] = [
    ['at the wave start: everything since the start', 0, { from: 0, restart: 0 }],
    ['before one window length: still since the start', HOUR - 1, { from: 0, restart: 0 }],
    ['at one window length: restart 1, half a window back', HOUR, { from: HOUR / 2, restart: 1 }],
    [
      'just before 1.5 windows: restart 1 (a whole window of data)',
      1.5 * HOUR - 1,
      { from: HOUR / 2, restart: 1 },
    ],
    ['at 1.5 windows: restart 2', 1.5 * HOUR, { from: HOUR, restart: 2 }],
    ['after 24 hours: restart 47', 24 * HOUR, { from: 23.5 * HOUR, restart: 47 }],
  ];

  it.each(cases)('%s', (_name, elapsed, expected) => {
    const start = 1_700_000_000_000;
    const window = trailingWindow(start, start + elapsed, HOUR, 0.95);
    expect({ from: window.from - start, restart: window.restart }).toEqual(expected);
    const span = start + elapsed - window.from;
    if (elapsed >= HOUR) {
      expect(span).toBeGreaterThanOrEqual(HOUR / 2);
      expect(span).toBeLessThan(HOUR);
    }
  });

  it('spends the error budget so that all restarts together spend at most 1 − confidence', () => {
    expect(restartConfidence(0.95, 0)).toBeCloseTo(0.975, 12);
    expect(restartConfidence(0.95, 1)).toBeCloseTo(1 - 0.05 / 6, 12);
    let spent = 0;
    for (let k = 0; k < 100_000; k++) spent += 1 - restartConfidence(0.95, k);
    expect(spent).toBeLessThanOrEqual(0.05);
    expect(spent).toBeGreaterThan(0.0499);
  });

  it('a clock before the wave start reads from the start', () => {
    expect(trailingWindow(1000, 0, HOUR, 0.9)).toEqual({ from: 1000, restart: 0, confidence: 0.95 });
  });
});
