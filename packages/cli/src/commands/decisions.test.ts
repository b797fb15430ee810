import { describe, expect, it } from 'vitest';
import type { Decision } from '../api-types.ts';
import { colorsFor } from '../colors.ts';
import { renderDecision } from './decisions.ts';

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
