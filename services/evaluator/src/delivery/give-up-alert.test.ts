import { WebhookEvent } from '@rollout-guard/shared/webhooks';
import { describe, expect, it } from 'vitest';
import { giveUpAlert } from './give-up-alert.ts';
import { rollbackEvent } from './test-events.ts';

const slack = { format: 'slack', url: 'https://hooks.slack.com/services/T0/B0/SeCrEt' } as const;
const gaveUp = {
  path: 'actions.rollback[1]',
  attempts: 31,
  lastError: 'answered 503',
  at: Date.parse('2026-11-22T10:00:00Z'),
};

describe('giveUpAlert', () => {
  it('is a valid rollout.alert that says which delivery gave up, without the target credentials', () => {
    const alert = giveUpAlert(rollbackEvent, slack, gaveUp)!;
    expect(WebhookEvent.parse(alert)).toEqual(alert);
    expect(alert).toMatchObject({
      type: 'rollout.alert',
      timestamp: '2026-11-22T10:00:00.000Z',
      data: {
        decisionId: 'dec_01HZX3K9.actions.rollback[1].delivery-gave-up',
        verdict: 'alert',
        rollout: 'contact-center-copilot',
        reasons: rollbackEvent.data.reasons,
        summary:
          'Delivery of rollout.rollback (dec_01HZX3K9) to actions.rollback[1] (slack, hooks.slack.com) gave up after 31 attempts; last error: answered 503. Fix the receiver, then redeliver it from the delivery log.',
      },
    });
    expect(JSON.stringify(alert)).not.toContain('SeCrEt');
  });

  it('gives the same id however often it is raised', () => {
    expect(giveUpAlert(rollbackEvent, slack, gaveUp)!.data.decisionId).toBe(
      giveUpAlert(rollbackEvent, slack, { ...gaveUp, attempts: 40, at: 0 })!.data.decisionId,
    );
  });

  it('raises nothing when the alert about a delivery itself gives up', () => {
    const alert = giveUpAlert(rollbackEvent, slack, gaveUp)!;
    expect(giveUpAlert(alert, slack, gaveUp)).toBeUndefined();
  });
});
