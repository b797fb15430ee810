import type { CheckView, RolloutView } from './api-types.ts';
import { h } from './dom.ts';
import { allowedText, checkValue } from './format.ts';
import { badge, judgedByBadge, shadowBadge, toneOf } from './tone.ts';

const HEADINGS = [
  'Check',
  'State',
  'Value [interval]',
  'Allowed',
  'Samples (treatment / reference)',
  'Window',
  'Why',
];
// A phone shows each row as a card, each cell labelled with a short name of its column.
const LABELS = ['Check', 'State', 'Value', 'Allowed', 'Samples', 'Window', 'Why'];

/** Who is paged for a check and its runbook, when the spec declares them. */
function oncallLine(check: CheckView): HTMLElement | null {
  if (check.owner === null && check.runbook === null) return null;
  return h(
    'div',
    { class: 'muted oncall' },
    check.owner === null ? null : `owner ${check.owner}`,
    check.owner !== null && check.runbook !== null ? ' · ' : null,
    check.runbook === null
      ? null
      : h('a', { href: check.runbook, target: '_blank', rel: 'noopener noreferrer' }, 'runbook'),
  );
}

/** A rollout's checks against this wave's limits, with why each stands where it does. */
export function checksTable(view: RolloutView): HTMLElement {
  const cell = (index: number, attributes: Record<string, string>, ...children: (Node | string | null)[]) =>
    h('td', { ...attributes, 'data-label': LABELS[index] ?? '' }, ...children);
  return h(
    'table',
    { id: 'checks', class: 'cards' },
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
      view.checks.map((check) =>
        h(
          'tr',
          { 'data-check': check.name, class: toneOf(check.state) === 'bad' ? 'breached' : '' },
          cell(
            0,
            {},
            h('strong', {}, check.name),
            ' ',
            shadowBadge(check.mode),
            h('div', { class: 'muted' }, `${check.role} · ${check.metric}`),
            oncallLine(check),
          ),
          cell(
            1,
            {},
            badge(check.state),
            ' ',
            judgedByBadge(check.judgedBy),
            check.consecutive
              ? h(
                  'div',
                  { class: 'muted' },
                  `${check.consecutive.count} of ${check.consecutive.required} in a row`,
                )
              : null,
          ),
          cell(2, { class: 'num', 'data-role': 'value' }, checkValue(check)),
          cell(
            3,
            {},
            allowedText(check.allowed),
            h('div', { class: 'muted' }, `${check.compare} · ${check.limitSource}`),
          ),
          cell(4, { class: 'num' }, `${check.samples.treatment} / ${check.samples.reference}`),
          cell(5, {}, check.window),
          cell(6, { class: 'muted' }, check.explanation ?? ''),
        ),
      ),
    ),
  );
}
