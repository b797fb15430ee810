import type { DecisionList } from './api-types.ts';
import { h } from './dom.ts';
import { time } from './format.ts';
import { badge, toneOf } from './tone.ts';

type Decision = DecisionList['decisions'][number];

export const reportHref = (name: string, id: string) =>
  `#/rollouts/${encodeURIComponent(name)}/decisions/${encodeURIComponent(id)}`;

/** The rollout's decisions, newest first, each with its report. */
export function decisionsTimeline(name: string, decisions: readonly Decision[]): HTMLElement {
  if (decisions.length === 0) return h('p', { class: 'muted' }, 'No decisions yet.');
  return h(
    'ol',
    { class: 'timeline', id: 'decisions' },
    decisions.map((d) =>
      h(
        'li',
        { class: toneOf(d.outcome) ?? toneOf(d.kind) ?? '', 'data-decision': d.id },
        h('span', { class: 'num' }, time(d.at)),
        ' ',
        badge(d.outcome),
        ' ',
        h('strong', {}, d.kind),
        d.wave ? ` · wave ${d.wave.index} (${d.wave.percent}%)` : '',
        ` · ${d.actor.type === 'operator' ? d.actor.name : 'rollout-guard'} · `,
        h('a', { href: reportHref(name, d.id) }, 'report'),
        h('div', {}, d.reason),
      ),
    ),
  );
}
