import { FINAL_STATUSES } from '@rollout-guard/shared/display';
import type { DeliveryList } from './api-types.ts';
import { h } from './dom.ts';
import { ago, time } from './format.ts';
import { badge } from './tone.ts';

export type Delivery = DeliveryList['deliveries'][number];

const HEADINGS = [
  'Created',
  'Webhook',
  'Target',
  'Status',
  'Attempts',
  'Last attempt',
  'Next attempt',
  'Note',
  '',
];

/** Makes the button that sends an ended delivery again. */
export type RedeliverButton = (delivery: Delivery) => HTMLButtonElement;

function row(d: Delivery, redeliver: RedeliverButton): HTMLElement {
  const cells: (string | Node)[] = [
    time(d.createdAt),
    d.webhook,
    `${d.format} → ${d.destination}`,
    badge(d.status),
    `${d.attempts}${d.redeliveries > 0 ? ` (redelivered ${d.redeliveries}×)` : ''}`,
    d.lastAttemptAt ? ago(d.lastAttemptAt) : '—',
    d.nextAttemptAt ? time(d.nextAttemptAt) : '—',
    d.note ?? '',
    FINAL_STATUSES.includes(d.status) ? redeliver(d) : '',
  ];
  return h(
    'tr',
    { 'data-delivery': d.id },
    cells.map((content, i) =>
      h(
        'td',
        {
          'data-label': HEADINGS[i] ?? '',
          class: i === 7 ? 'muted' : i === 0 || (i >= 4 && i < 7) ? 'num' : '',
        },
        content,
      ),
    ),
  );
}

/** The rollout's webhook deliveries, newest first. */
export function deliveriesTable(deliveries: readonly Delivery[], redeliver: RedeliverButton): HTMLElement {
  if (deliveries.length === 0) return h('p', { class: 'muted' }, 'No webhook deliveries yet.');
  return h(
    'table',
    { id: 'deliveries', class: 'cards' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        HEADINGS.map((t) => h('th', {}, t)),
      ),
    ),
    h(
      'tbody',
      {},
      deliveries.map((d) => row(d, redeliver)),
    ),
  );
}
