import { describe, expect, it } from 'vitest';
import type { DemoStatus, TimedEvent } from './run-demo.ts';
import { formatEvent, formatProgress } from './timeline.ts';

const reason = {
  check: 'compliance-errors',
  value: 0.0412,
  interval: [0.036, 0.046],
  allowed: { max: 0.03 },
  samples: { treatment: 5120, control: 4980 },
  window: 'wave',
};

describe('the demo timeline', () => {
  it.each<[TimedEvent, string[]]>([
    [
      { kind: 'wave', wave: 1, percent: 25, bakeMs: 45_000, atMs: 14_200 },
      ['00:14  wave 1 begins: 25% of contacts get the copilot, bake 45s'],
    ],
    [{ kind: 'phase', phase: 'wave', wave: 1, atMs: 0 }, []],
    [
      { kind: 'stopped', privateRedis: true, atMs: 75_000 },
      ['01:15  stopped the traffic, the services, the private Redis and the receiver'],
    ],
    [
      { kind: 'phase', phase: 'awaiting-approval', wave: 1, atMs: 61_000 },
      ['01:01  phase → awaiting-approval'],
    ],
    [
      {
        kind: 'rollback',
        decisionId: 'dec_9',
        wave: 2,
        reasons: [reason],
        afterRegressionMs: 3_140,
        atMs: 72_000,
      },
      [
        '01:12  signed rollback received (signature verified), 3.1s after the regression began',
        '         decision dec_9, wave 2',
        '         check compliance-errors · value 0.0412 · interval [0.0360, 0.0460] · limit { max: 0.0300 } · samples { treatment: 5120, control: 4980 } · window wave',
      ],
    ],
    [
      { kind: 'verdict', verdict: 'go', wave: 1, decisionId: 'dec_1', reasons: [], atMs: 49_000 },
      ['00:49  checkpoint of wave 1: verdict GO (dec_1)'],
    ],
  ])('prints %j as plain lines', (event, lines) => {
    expect(formatEvent(event)).toEqual(lines);
  });

  it('draws the bake as a bar with elapsed and total seconds', () => {
    const status: DemoStatus = {
      phase: 'wave',
      wave: 1,
      percent: 25,
      bakeStartedAt: 1_000,
      bakeMs: 40_000,
      contacts: { treatment: 1234, control: 3702 },
      regressed: false,
    };
    expect(formatProgress(status, 21_000, 0)).toBe(
      '⠋ wave 1 (25%) baking ████████████░░░░░░░░░░░░ 20s/40s · 1,234 treatment / 3,702 control contacts',
    );
    expect(formatProgress({ ...status, phase: 'awaiting-approval' }, 21_000, 1)).toBe(
      '⠙ awaiting-approval · 1,234 treatment / 3,702 control contacts',
    );
  });
});
