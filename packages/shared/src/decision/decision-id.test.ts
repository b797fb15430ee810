import { describe, expect, it } from 'vitest';
import { type DecisionKey, decisionId } from './decision-id.ts';

const key: DecisionKey = {
  rollout: 'contact-center-copilot',
  specVersion: 3,
  wave: 2,
  kind: 'rollback',
  subject: 'guardrail',
  ordinal: 0,
};

describe('decisionId', () => {
  it('is the same for the same inputs', () => {
    expect(decisionId(key)).toBe(decisionId({ ...key }));
    expect(decisionId(key)).toMatch(/^dec_[0-9a-f]{32}$/);
  });

  it.each<[string, Partial<DecisionKey>]>([
    ['another wave', { wave: 3 }],
    ['another kind', { kind: 'verdict' }],
    ['another spec version', { specVersion: 4 }],
    ['another rollout', { rollout: 'checkout-v2' }],
    ['another subject', { subject: 'operator' }],
    ['a later decision of the same kind', { ordinal: 1 }],
  ])('differs for %s', (_name, change) => {
    expect(decisionId({ ...key, ...change })).not.toBe(decisionId(key));
  });

  it('cannot be confused by fields that run into each other', () => {
    expect(decisionId({ ...key, rollout: 'a', subject: 'bc' })).not.toBe(
      decisionId({ ...key, rollout: 'ab', subject: 'c' }),
    );
  });
});
