import type { WebhookEvent } from '@rollout-guard/shared/webhooks';
import { describe, expect, it } from 'vitest';
import { headline, reasonText } from './summary.ts';
import { advanceEvent, alertEvent, goEvent, rollbackEvent } from './test-events.ts';

describe('headline', () => {
  it.each<[WebhookEvent, string]>([
    [rollbackEvent, 'Rolled back copilot-assist (rollout contact-center-copilot) in wave 2 (50%)'],
    [goEvent, 'GO for contact-center-copilot at the end of wave 2 (50%)'],
    [advanceEvent, 'contact-center-copilot advanced: copilot-assist now at 100% (wave 3)'],
    [
      { ...alertEvent, data: { ...alertEvent.data, wave: null } } as WebhookEvent,
      'Alert on contact-center-copilot before wave 1',
    ],
    [
      { ...alertEvent, data: { ...alertEvent.data, shadow: true } } as WebhookEvent,
      '[shadow, nothing acted] Alert on contact-center-copilot in wave 2 (50%)',
    ],
  ])('%#', (event, text) => {
    expect(headline(event)).toBe(text);
  });
});

describe('reasonText', () => {
  it.each([
    [
      rollbackEvent.data.reasons[0]!,
      'compliance-errors: 0.041 [0.036, 0.046], allowed max 0.03 (5120 treatment / 4980 control, window 1h)',
    ],
    [
      {
        check: 'csat',
        value: null,
        interval: null,
        allowed: { min: -1 },
        samples: { treatment: 0, control: 0 },
        window: 'wave',
      },
      'csat: no data, allowed min -1 (0 treatment / 0 control, window wave)',
    ],
    [
      {
        check: 'latency',
        value: 2.123456,
        interval: null,
        allowed: { min: 0, max: '+5%' },
        samples: { treatment: 9, control: 8 },
        window: '5m',
      },
      'latency: 2.123, allowed min 0, max +5% (9 treatment / 8 control, window 5m)',
    ],
    [
      {
        check: 'latency',
        value: 2.5,
        interval: null,
        allowed: { max: 2 },
        samples: { treatment: 900, control: 0 },
        window: 'wave',
        judgedBy: 'value' as const,
      },
      'latency: 2.5 (judged by value), allowed max 2 (900 treatment / 0 control, window wave)',
    ],
    [
      {
        ...rollbackEvent.data.reasons[0]!,
        judgedBy: 'interval' as const,
        explanation: 'the whole interval [0.036, 0.046] lies above max 0.03',
      },
      'compliance-errors: the whole interval [0.036, 0.046] lies above max 0.03 (5120 treatment / 4980 control, window 1h)',
    ],
  ])('%#', (reason, text) => {
    expect(reasonText(reason)).toBe(text);
  });
});
