import type { WebhookEvent } from '@rollout-guard/shared/webhooks';
import type { DeliveryTarget } from './targets.ts';

const suffix = '.delivery-gave-up';

/** Names a target without its credentials (a Slack URL is one): where it sits, its format and host. */
export function describeTarget(target: DeliveryTarget, path: string): string {
  return `${path} (${target.format}, ${new URL(target.url).host})`;
}

export interface GaveUp {
  /** Where the target sits in the spec: `actions.rollback[0]`. */
  path: string;
  attempts: number;
  /** The last attempt's error, already free of secrets. */
  lastError: string | undefined;
  /** Epoch ms of the decision to give up. */
  at: number;
}

/**
 * The `rollout.alert` to deliver to the rollout's alert targets when a delivery gives up. Its id is
 * derived from the failed decision's and the target's, so raising it twice delivers it once. A
 * give-up alert that itself gives up raises nothing (undefined): alerts about alerts would not end.
 */
export function giveUpAlert(
  event: WebhookEvent,
  target: DeliveryTarget,
  gaveUp: GaveUp,
): WebhookEvent | undefined {
  if (event.data.decisionId.endsWith(suffix)) return undefined;
  const where = describeTarget(target, gaveUp.path);
  return {
    type: 'rollout.alert',
    timestamp: new Date(gaveUp.at).toISOString(),
    data: {
      ...event.data,
      decisionId: `${event.data.decisionId}.${gaveUp.path}${suffix}`,
      verdict: 'alert',
      summary:
        `Delivery of ${event.type} (${event.data.decisionId}) to ${where} gave up after ${gaveUp.attempts} attempts` +
        (gaveUp.lastError === undefined ? '.' : `; last error: ${gaveUp.lastError}.`) +
        ' Fix the receiver, then redeliver it from the delivery log.',
    },
  };
}
