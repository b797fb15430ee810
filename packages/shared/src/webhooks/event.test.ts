import { describe, expect, it } from 'vitest';
import { WebhookEvent } from './event.ts';

// The example of PRODUCT.md §3, verbatim apart from the elided ids.
const productExample = {
  type: 'rollout.rollback',
  timestamp: '2026-11-21T10:00:00.123Z',
  data: {
    decisionId: 'dec_01',
    rollout: 'contact-center-copilot',
    flag: 'copilot-assist',
    specVersion: 3,
    wave: { index: 2, percent: 50 },
    verdict: 'rollback',
    reasons: [
      {
        check: 'compliance-errors',
        value: 0.041,
        interval: [0.036, 0.046],
        allowed: { max: 0.03 },
        samples: { treatment: 5120, control: 4980 },
        window: '1h',
      },
    ],
    evidenceUrl: 'http://localhost:4318/api/v1/rollouts/contact-center-copilot/decisions/dec_01',
  },
};

const withType = (type: string, verdict: string, extra: Record<string, unknown> = {}) => ({
  ...productExample,
  type,
  data: { ...productExample.data, verdict, ...extra },
});

describe('WebhookEvent', () => {
  it('accepts the example body of the product contract', () => {
    expect(WebhookEvent.parse(productExample)).toEqual(productExample);
  });

  it.each([
    ['rollout.rollback', 'rollback', {}],
    ['rollout.verdict', 'go', {}],
    ['rollout.verdict', 'no-go', {}],
    ['rollout.verdict', 'inconclusive', {}],
    ['rollout.advance', 'advance', { wave: { index: 3, percent: 100 } }],
    ['rollout.alert', 'alert', { summary: 'delivery to https://x gave up after 24h' }],
    ['rollout.alert', 'alert', { wave: null, summary: 'no data for copilot-latency during the baseline' }],
    ['rollout.paused', 'paused', { summary: 'paused by alice: holiday freeze' }],
    ['rollout.completed', 'completed', {}],
    ['rollout.resolved', 'resolved', { resolves: 'checks' }],
    ['rollout.resolved', 'resolved', { resolves: 'rollout', reasons: [] }],
  ])('accepts %s with verdict %s', (type, verdict, extra) => {
    expect(WebhookEvent.safeParse(withType(type, verdict, extra)).success).toBe(true);
  });

  it.each([
    ['a verdict that does not belong to the type', withType('rollout.rollback', 'go')],
    ['an unknown type', withType('rollout.exploded', 'rollback')],
    ['a resolution that does not say what it resolves', withType('rollout.resolved', 'resolved')],
    ['an advance without the wave it starts', withType('rollout.advance', 'advance', { wave: null })],
    [
      'a wave percent above 100',
      { ...productExample, data: { ...productExample.data, wave: { index: 1, percent: 120 } } },
    ],
    ['a timestamp that is not ISO 8601', { ...productExample, timestamp: 'yesterday' }],
    [
      'an evidence link that is not a URL',
      { ...productExample, data: { ...productExample.data, evidenceUrl: 'n/a' } },
    ],
    [
      'a reason whose allowed range is empty',
      {
        ...productExample,
        data: { ...productExample.data, reasons: [{ ...productExample.data.reasons[0], allowed: {} }] },
      },
    ],
  ])('refuses %s', (_name, body) => {
    expect(WebhookEvent.safeParse(body).success).toBe(false);
  });

  it('accepts a reason without data (no value, no interval) and a relative limit', () => {
    const reason = {
      ...productExample.data.reasons[0],
      value: null,
      interval: null,
      allowed: { max: '+5%' },
    };
    const body = { ...productExample, data: { ...productExample.data, reasons: [reason] } };
    expect(WebhookEvent.safeParse(body).success).toBe(true);
  });
});
