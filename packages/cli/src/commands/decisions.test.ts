import { describe, expect, it } from 'vitest';
import type { Decision } from '../api-types.ts';
import { colorsFor } from '../colors.ts';
import { renderDecision, renderDecisionList } from './decisions.ts';

const plain = colorsFor({ isTTY: false }, {});
const decision: Decision = {
  id: 'dec_1',
  kind: 'rollback',
  outcome: 'rollback',
  rollout: 'checkout',
  specVersion: 1,
  wave: { index: 1, percent: 25 },
  actor: { type: 'system' },
  reason: 'guardrail error-rate breached',
  at: Date.UTC(2026, 11, 6),
  phase: { from: 'wave', to: 'wave' },
  checks: [
    {
      check: 'error-rate',
      role: 'guardrail',
      compare: 'absolute',
      reference: null,
      allowed: { max: 0.03 },
      limitSource: 'allowed',
      rule: 'breached when the value lies outside allowed',
      confidence: 0.95,
      minSamples: 100,
      windowSpec: 'wave',
      window: null,
      cohorts: { treatment: { samples: 5000, value: 0.08 }, reference: null },
      difference: null,
      outcome: 'breached',
      explanation: 'the value 0.08 lies above max 0.03',
      shadow: true,
    },
  ],
  shadow: true,
};

describe('renderDecision', () => {
  it('says a shadow decision took no action, and marks shadow checks', () => {
    const text = renderDecision(decision, plain, 'http://rg/d');
    expect(text.split('\n')[0]).toBe('shadow rollback rollback  checkout  wave 1 (25%)');
    expect(text).toContain('nothing acted');
    expect(text).toContain('error-rate (shadow)');
  });

  it('says nothing of shadow for a decision taken for real', () => {
    const text = renderDecision({ ...decision, shadow: false, checks: [] }, plain, 'http://rg/d');
    expect(text).not.toContain('shadow');
  });
});

const { shadow: _shadow, ...enforcedCheck } = decision.checks[0]!;

describe('who is paged for a decision', () => {
  const taken: Decision = { ...decision, shadow: false, checks: [enforcedCheck] };
  const SHOP = { owner: 'shop-oncall', runbook: 'https://runbooks.internal/shop' };

  it.each([
    ['neither declared', {}, {}, []],
    [
      'the rollout’s, which its check inherits, and the rendered summary',
      SHOP,
      { ...SHOP, summary: 'error-rate at 0.08 against max 0.03 in wave 1' },
      [
        'owner     shop-oncall',
        'runbook   https://runbooks.internal/shop',
        '    summary error-rate at 0.08 against max 0.03 in wave 1',
      ],
    ],
    [
      'a check’s own owner and runbook',
      SHOP,
      { owner: 'payments-oncall', runbook: 'https://runbooks.internal/shop#errors' },
      [
        'owner     shop-oncall',
        'runbook   https://runbooks.internal/shop',
        '    owner payments-oncall, runbook https://runbooks.internal/shop#errors',
      ],
    ],
    [
      'a check’s own owner in a rollout without one',
      {},
      { owner: 'payments-oncall' },
      ['    owner payments-oncall'],
    ],
  ])('%s', (_case, rollout, check, expected) => {
    const text = renderDecision(
      { ...taken, ...rollout, checks: [{ ...taken.checks[0]!, ...check }] },
      plain,
      'http://rg/d',
    );
    expect(text.split('\n').filter((line) => /owner|runbook|summary/.test(line))).toEqual(expected);
  });

  it.each([
    [
      'no decision recorded an owner',
      [{}, {}],
      [
        'ID     KIND      OUTCOME   WAVE     AT                    ACTOR',
        'dec_0  rollback  rollback  1 (25%)  2026-12-06 00:00 UTC  system',
        'dec_1  rollback  rollback  1 (25%)  2026-12-06 00:00 UTC  system',
      ],
    ],
    [
      'one did',
      [{}, { owner: 'shop-oncall' }],
      [
        'ID     KIND      OUTCOME   WAVE     AT                    ACTOR   OWNER',
        'dec_0  rollback  rollback  1 (25%)  2026-12-06 00:00 UTC  system  —',
        'dec_1  rollback  rollback  1 (25%)  2026-12-06 00:00 UTC  system  shop-oncall',
      ],
    ],
  ])('the list: %s', (_case, oncalls, expected) => {
    const list = renderDecisionList(
      oncalls.map((oncall, i) => ({ ...taken, id: `dec_${i}`, ...oncall })),
      plain,
    );
    expect(list).toBe(expected.join('\n'));
  });
});
