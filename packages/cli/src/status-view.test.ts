import { describe, expect, it } from 'vitest';
import type { RolloutView } from './api-types.ts';
import { colorsFor } from './colors.ts';
import { renderStatus } from './status-view.ts';

const plain = colorsFor({ isTTY: false }, {});
const view: RolloutView = {
  name: 'checkout',
  flag: 'new-checkout',
  phase: 'wave',
  wave: { index: 2, percent: 50, of: 3 },
  specVersion: 2,
  latestVersion: 3,
  updatedAt: 0,
  approval: 'manual',
  waveStartedAt: 0,
  checkpointAt: 90_061_000,
  paused: null,
  checks: [
    {
      name: 'error-rate',
      role: 'guardrail',
      metric: 'errors_total / requests_total',
      compare: 'absolute',
      allowed: { max: 0.03 },
      limitSource: 'allowed',
      state: 'breached',
      value: 0.041,
      interval: [0.036, 0.046],
      samples: { treatment: 5120, reference: 0 },
      window: '1h',
      consecutive: { count: 2, required: 3 },
      explanation: null,
    },
  ],
};

describe('renderStatus', () => {
  it('shows the wave, the time to the checkpoint and each check against its limit', () => {
    expect(renderStatus(view, 0, plain)).toBe(
      [
        'checkout  wave  wave 2 of 3 (50%)  flag new-checkout  spec v2 (latest v3)',
        'checkpoint in 1d 1h (1970-01-02 01:01 UTC)',
        '',
        'CHECK       ROLE       STATE           VALUE    INTERVAL            LIMIT     SAMPLES T/R  WINDOW',
        'error-rate  guardrail  breached (2/3)  0.04100  [0.03600, 0.04600]  max 0.03  5120/0       1h',
      ].join('\n'),
    );
  });

  it('says when a check was judged by value', () => {
    const check = { ...view.checks[0]!, judgedBy: 'value' as const, interval: null };
    expect(renderStatus({ ...view, checks: [check] }, 0, plain)).toContain(
      'error-rate  guardrail  breached (2/3)  0.04100 (judged by value)  —',
    );
  });

  it('says what to do when the rollout waits for approval or is paused', () => {
    const waiting = renderStatus({ ...view, phase: 'awaiting-approval', checks: [] }, 0, plain);
    expect(waiting).toContain('waiting for approval: rollout-guard approve checkout');
    const paused = renderStatus(
      { ...view, phase: 'paused', paused: { from: 'wave', at: 0, cause: 'operator' } },
      0,
      plain,
    );
    expect(paused).toContain('resume with: rollout-guard resume checkout');
  });
});
