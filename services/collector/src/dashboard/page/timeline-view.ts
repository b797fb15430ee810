import { OPERATOR_ACTIONS } from '@rollout-guard/shared/display';
import type { ApiClient } from './api-client.ts';
import type { AuditEntryView } from './api-types.ts';
import type { Delivery } from './deliveries-table.ts';
import { type Child, h } from './dom.ts';
import { time } from './format.ts';
import type { Decision, TimelineItem } from './timeline.ts';
import { badge, toneOf } from './tone.ts';

export const reportHref = (name: string, id: string) =>
  `#/rollouts/${encodeURIComponent(name)}/decisions/${encodeURIComponent(id)}`;

const isOperatorAction = (action: string) => (OPERATOR_ACTIONS as readonly string[]).includes(action);

const position = (p: AuditEntryView['from']) =>
  p === null ? '' : `${p.phase}${p.wave > 0 ? ` (wave ${p.wave})` : ''}`;

/** What an audit entry says: the kind on its badge, a headline, and a line of detail. */
function describeEntry(entry: AuditEntryView): { label: string; headline: string; detail: string | null } {
  const moved =
    entry.from !== null && entry.to !== null && position(entry.from) !== position(entry.to)
      ? ` · ${position(entry.from)} → ${position(entry.to)}`
      : '';
  if (entry.kind === 'created' || entry.kind === 'spec') {
    return {
      label: 'spec',
      headline: `spec v${entry.specVersion} stored by ${entry.actor}`,
      detail: entry.summary,
    };
  }
  if (entry.kind === 'refused') {
    return { label: 'refused', headline: `${entry.action} by ${entry.actor} refused`, detail: entry.summary };
  }
  if (entry.kind === 'redelivery') {
    return { label: 'redeliver', headline: `${entry.actor} redelivered a webhook`, detail: entry.summary };
  }
  if (isOperatorAction(entry.action)) {
    return { label: entry.action, headline: `${entry.action} by ${entry.actor}${moved}`, detail: null };
  }
  return { label: entry.action, headline: `${entry.summary}`, detail: null };
}

/** A decision's outcome, its report, and for a checkpoint verdict its evidence pack to download. */
function decisionLine(api: ApiClient, name: string, decision: Decision): HTMLElement {
  return h(
    'div',
    { class: 'decision', 'data-decision': decision.id },
    badge(decision.outcome),
    decision.shadow ? h('span', { class: 'badge shadow', 'data-state': 'shadow' }, 'shadow') : null,
    ' ',
    h('strong', {}, decision.kind),
    decision.wave ? ` · wave ${decision.wave.index} (${decision.wave.percent}%)` : '',
    ' · ',
    h('a', { href: reportHref(name, decision.id), 'data-link': 'report' }, 'report'),
    decision.kind === 'verdict' ? evidenceLinks(api, name, decision.id) : null,
    h('div', { class: 'muted' }, decision.reason),
  );
}

/** The pack is behind the user's token, so it is fetched with it and handed over as a file. */
function evidenceLinks(api: ApiClient, name: string, id: string): Child[] {
  const status = h('span', { class: 'error', role: 'alert' });
  const link = (extension: 'html' | 'json') => {
    const button = h(
      'button',
      { type: 'button', class: 'link', 'data-evidence': extension },
      extension.toUpperCase(),
    );
    button.addEventListener('click', async () => {
      status.textContent = '';
      try {
        const file = await api.evidencePack(name, id, extension);
        const url = URL.createObjectURL(file);
        const a = h('a', { href: url, download: `${name}-${id}-evidence.${extension}` });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
      } catch (error) {
        status.textContent = `Evidence pack not downloaded: ${error instanceof Error ? error.message : String(error)}`;
      }
    });
    return button;
  };
  return [' · evidence pack ', link('html'), ' ', link('json'), status];
}

function deliveryLine(d: Delivery): HTMLElement {
  return h(
    'li',
    { 'data-delivery': d.id },
    badge(d.status),
    ` ${d.webhook} → ${d.format} ${d.destination}`,
    h(
      'span',
      { class: 'muted' },
      ` · ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${d.redeliveries > 0 ? `, redelivered ${d.redeliveries}×` : ''}`,
    ),
  );
}

function itemElement(api: ApiClient, name: string, item: TimelineItem): HTMLElement {
  if (item.type === 'delivery') {
    return h(
      'li',
      { 'data-kind': 'delivery', class: toneOf(item.delivery.status) ?? '' },
      h('span', { class: 'num' }, time(item.at)),
      ' ',
      h('ul', { class: 'deliveries-mini' }, deliveryLine(item.delivery)),
    );
  }
  const decisions = item.type === 'decision' ? [item.decision] : item.decisions;
  const tone = decisions.map((d) => toneOf(d.outcome) ?? toneOf(d.kind)).find((t) => t !== undefined);
  const deliveries =
    item.deliveries.length > 0
      ? h('ul', { class: 'deliveries-mini' }, item.deliveries.map(deliveryLine))
      : null;
  if (item.type === 'decision') {
    const d = item.decision;
    return h(
      'li',
      { 'data-kind': 'decision', 'data-decision': d.id, class: tone ?? '' },
      h('span', { class: 'num' }, time(item.at)),
      ' ',
      h('strong', {}, `${d.kind} by ${d.actor.type === 'operator' ? d.actor.name : 'rollout-guard'}`),
      decisionLine(api, name, d),
      deliveries,
    );
  }
  const { entry } = item;
  const { label, headline, detail } = describeEntry(entry);
  return h(
    'li',
    {
      'data-kind': entry.kind,
      'data-action': entry.action,
      'data-audit': entry.id,
      'data-decision': decisions[0]?.id,
      class: tone ?? (entry.kind === 'refused' ? 'warn' : ''),
    },
    h('span', { class: 'num' }, time(item.at)),
    ' ',
    h('span', { class: 'badge', 'data-state': label }, label),
    ' ',
    h('strong', {}, headline),
    // Who and why: the reason an operator gave (a redelivery's is in its summary).
    entry.reason && isOperatorAction(entry.action)
      ? h('div', { class: 'reason' }, `“${entry.reason}”`)
      : null,
    detail === null ? null : h('div', { class: 'muted' }, detail),
    decisions.map((d) => decisionLine(api, name, d)),
    deliveries,
  );
}

/** The timeline as a list, newest first. */
export function timelineView(api: ApiClient, name: string, items: readonly TimelineItem[]): HTMLElement {
  if (items.length === 0) return h('p', { class: 'muted' }, 'Nothing has happened yet.');
  return h(
    'ol',
    { class: 'timeline', id: 'timeline' },
    items.map((item) => itemElement(api, name, item)),
  );
}
