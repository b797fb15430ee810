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
      owner: null,
      runbook: null,
    },
  ],
  owner: null,
  runbook: null,
};

const SHOP = { owner: 'shop-oncall', runbook: 'https://runbooks.internal/shop' };
const NONE = { owner: null, runbook: null };

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

  it('names the rollout’s owner and runbook under its headline, a check’s own under the checks', () => {
    const check = {
      ...view.checks[0]!,
      owner: 'payments-oncall',
      runbook: 'https://runbooks.internal/shop#errors',
    };
    expect(renderStatus({ ...view, ...SHOP, checks: [check] }, 0, plain)).toBe(
      [
        'checkout  wave  wave 2 of 3 (50%)  flag new-checkout  spec v2 (latest v3)',
        'owner shop-oncall, runbook https://runbooks.internal/shop',
        'checkpoint in 1d 1h (1970-01-02 01:01 UTC)',
        '',
        'CHECK       ROLE       STATE           VALUE    INTERVAL            LIMIT     SAMPLES T/R  WINDOW',
        'error-rate  guardrail  breached (2/3)  0.04100  [0.03600, 0.04600]  max 0.03  5120/0       1h',
        '  error-rate: owner payments-oncall, runbook https://runbooks.internal/shop#errors',
      ].join('\n'),
    );
  });

  it.each([
    ['neither declared', NONE, NONE, []],
    [
      'the rollout’s, which its check inherits',
      SHOP,
      SHOP,
      ['owner shop-oncall, runbook https://runbooks.internal/shop'],
    ],
    [
      'an owner without a runbook',
      { ...NONE, owner: 'shop-oncall' },
      { ...NONE, owner: 'shop-oncall' },
      ['owner shop-oncall'],
    ],
    [
      'a check’s own runbook beside the rollout’s owner',
      SHOP,
      { ...SHOP, runbook: 'https://runbooks.internal/shop#errors' },
      [
        'owner shop-oncall, runbook https://runbooks.internal/shop',
        '  error-rate: owner shop-oncall, runbook https://runbooks.internal/shop#errors',
      ],
    ],
    [
      'a check’s own owner in a rollout without one',
      NONE,
      { ...NONE, owner: 'payments-oncall' },
      ['  error-rate: owner payments-oncall'],
    ],
  ])('on call: %s', (_case, rollout, check, expected) => {
    const text = renderStatus({ ...view, ...rollout, checks: [{ ...view.checks[0]!, ...check }] }, 0, plain);
    expect(text.split('\n').filter((line) => /owner|runbook/.test(line))).toEqual(expected);
  });
});
