import type { ApiClient } from './api-client.ts';
import type { RolloutView } from './api-types.ts';
import { h } from './dom.ts';
import { allowedText, checkValue } from './format.ts';
import { attention, bake, waveText } from './rollout-facts.ts';
import { badge } from './tone.ts';

/** `#/`: every rollout, those that need a human first. */

const rolloutHref = (name: string) => `#/rollouts/${encodeURIComponent(name)}`;

function checksMini(view: RolloutView): HTMLElement {
  return h(
    'ul',
    { class: 'checks-mini' },
    view.checks.map((check) =>
      h(
        'li',
        { 'data-check': check.name },
        badge(check.state),
        h('strong', {}, check.name),
        h('span', { class: 'num', 'data-role': 'value' }, checkValue(check)),
        h('span', { class: 'muted' }, `allowed ${allowedText(check.allowed)} · ${check.window}`),
      ),
    ),
  );
}

function needsAHuman(views: readonly RolloutView[]): HTMLElement[] {
  const needs = views.flatMap((view) => {
    const why = attention(view);
    return why === null ? [] : [{ view, why }];
  });
  if (needs.length === 0) return [];
  return [
    h('h2', {}, 'Needs a human'),
    h(
      'ul',
      { class: 'attention-list', id: 'attention' },
      needs.map(({ view, why }) =>
        h(
          'li',
          { class: why.level, 'data-rollout': view.name },
          h('a', { href: rolloutHref(view.name) }, view.name),
          ' — ',
          why.text,
        ),
      ),
    ),
  ];
}

function rolloutRow(view: RolloutView): HTMLElement {
  const why = attention(view);
  return h(
    'tr',
    {
      'data-rollout': view.name,
      class: why === null ? '' : why.level === 'bad' ? 'breached' : 'attention',
    },
    h(
      'td',
      { 'data-label': 'Rollout' },
      h('a', { href: rolloutHref(view.name) }, h('strong', {}, view.name)),
      h('div', { class: 'muted' }, `flag ${view.flag} · spec v${view.specVersion}`),
    ),
    h(
      'td',
      { 'data-label': 'Phase' },
      badge(view.phase),
      view.paused ? h('div', { class: 'muted' }, view.paused.cause) : null,
    ),
    h('td', { class: 'num', 'data-label': 'Wave' }, waveText(view)),
    h('td', { 'data-label': 'Bake' }, bake(view)),
    h('td', { 'data-label': 'Checks' }, checksMini(view)),
  );
}

export async function renderList(api: ApiClient): Promise<HTMLElement> {
  const { rollouts } = await api.rollouts();
  const views = await Promise.all(rollouts.map((r) => api.rollout(r.name)));
  const main = h('div', { id: 'rollout-list' }, h('h1', {}, 'Rollouts'), needsAHuman(views));
  if (views.length === 0) {
    main.append(
      h(
        'p',
        { class: 'message' },
        'No rollouts yet. Declare one with PUT /api/v1/rollouts/{name} (see the API reference) or `rollout-guard apply`.',
      ),
    );
    return main;
  }
  main.append(
    h(
      'table',
      { id: 'rollouts', class: 'cards' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Rollout', 'Phase', 'Wave', 'Bake', 'Checks: latest value [interval]'].map((t) => h('th', {}, t)),
        ),
      ),
      h('tbody', {}, views.map(rolloutRow)),
    ),
  );
  return main;
}
