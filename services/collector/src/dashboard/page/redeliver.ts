import type { ActionRequest } from './action-dialog.ts';
import type { ApiClient } from './api-client.ts';
import type { Delivery } from './deliveries-table.ts';
import { h } from './dom.ts';
import type { OperatorAccess } from './operator-access.ts';

/** The button that sends an ended webhook delivery again, through the action dialog. */
export function redeliverButton(
  api: ApiClient,
  delivery: Delivery,
  access: OperatorAccess,
  open: (request: ActionRequest) => void,
): HTMLButtonElement {
  const effect = `Sends ${delivery.webhook} to ${delivery.format} → ${delivery.destination} again, with the same webhook-id (receivers deduplicate on it), as a fresh retry chain.`;
  const button = h(
    'button',
    {
      type: 'button',
      'data-action': 'redeliver',
      disabled: !access.allowed,
      title: access.allowed ? effect : access.why,
    },
    'Redeliver',
  );
  button.addEventListener('click', () =>
    open({
      action: 'redeliver',
      title: `Redeliver ${delivery.webhook}: ${delivery.rollout}`,
      effect,
      production: true,
      confirmWord: delivery.rollout,
      submitLabel: 'Redeliver',
      async run(reason) {
        const answer = await api.redeliver(delivery.id, reason);
        return `Redelivery ${answer.redeliveries} of ${delivery.webhook} queued`;
      },
    }),
  );
  return button;
}
