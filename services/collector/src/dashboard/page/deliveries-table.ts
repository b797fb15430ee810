import type { DeliveryList } from './api-types.ts';
import { h } from './dom.ts';
import { ago, time } from './format.ts';
import { badge } from './tone.ts';

type Delivery = DeliveryList['deliveries'][number];

const HEADINGS = [
  'Created',
  'Webhook',
  'Target',
  'Status',
  'Attempts',
  'Last attempt',
  'Next attempt',
  'Note',
];

function row(d: Delivery): HTMLElement {
  const cells: (string | Node)[] = [
    time(d.createdAt),
    d.webhook,
    `${d.format} → ${d.destination}`,
    badge(d.status),
    `${d.attempts}${d.redeliveries > 0 ? ` (redelivered ${d.redeliveries}×)` : ''}`,
    d.lastAttemptAt ? ago(d.lastAttemptAt) : '—',
    d.nextAttemptAt ? time(d.nextAttemptAt) : '—',
    d.note ?? '',
  ];
  return h(
    'tr',
    { 'data-delivery': d.id },
    cells.map((content, i) =>
      h(
        'td',
        { 'data-label': HEADINGS[i] ?? '', class: i === 7 ? 'muted' : i === 0 || i >= 4 ? 'num' : '' },
        content,
      ),
    ),
  );
}

/** The rollout's webhook deliveries, newest first. */
export function deliveriesTable(deliveries: readonly Delivery[]): HTMLElement {
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
    h('tbody', {}, deliveries.map(row)),
  );
}
