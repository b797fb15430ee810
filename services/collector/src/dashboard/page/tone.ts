import type { Phase } from '@rollout-guard/shared/display';
import { h } from './dom.ts';

/** How a state reads at a glance: the badge and row colours of the stylesheet. */
export type Tone = 'bad' | 'warn' | 'good' | 'info';

// Every phase has its tone (the compiler checks that none is missing); then checks', decisions' and
// deliveries' states.
const PHASE_TONE: Record<Phase, Tone> = {
  pending: 'info',
  baseline: 'info',
  wave: 'info',
  checkpoint: 'info',
  'awaiting-approval': 'warn',
  paused: 'warn',
  completed: 'good',
  'rolled-back': 'bad',
  aborted: 'bad',
};

const TONE: Readonly<Record<string, Tone>> = {
  ...PHASE_TONE,
  breached: 'bad',
  fail: 'bad',
  'no-go': 'bad',
  rollback: 'bad',
  'gave-up': 'bad',
  stopped: 'bad',
  ok: 'good',
  pass: 'good',
  go: 'good',
  delivered: 'good',
  inconclusive: 'warn',
  insufficient: 'warn',
  retrying: 'warn',
  advance: 'info',
};

export function toneOf(state: string): Tone | undefined {
  return Object.hasOwn(TONE, state) ? TONE[state] : undefined;
}

export function badge(state: string): HTMLSpanElement {
  return h('span', { class: `badge ${toneOf(state) ?? ''}`, 'data-state': state }, state);
}

const JUDGED_TITLE = {
  interval:
    'judged by its always-valid confidence interval: acts only when the whole interval lies outside allowed',
  value:
    'judged by its value (judge: value, or an aggregate without an interval): acts when the value crosses a bound',
} as const;

/** What a check's latest decision rested on: its interval or its value; nothing before any decision. */
export function judgedByBadge(judgedBy: 'interval' | 'value' | undefined): HTMLSpanElement | null {
  if (judgedBy === undefined) return null;
  return h(
    'span',
    { class: `badge judged ${judgedBy}`, 'data-judged-by': judgedBy, title: JUDGED_TITLE[judgedBy] },
    `by ${judgedBy}`,
  );
}

/** Marks what runs in shadow mode: judged and shown as for real, never acting. */
export function shadowBadge(mode: 'enforce' | 'shadow'): HTMLSpanElement | null {
  if (mode !== 'shadow') return null;
  return h(
    'span',
    { class: 'badge shadow', 'data-state': 'shadow', title: 'shadow mode: judged and recorded, never acts' },
    'shadow',
  );
}
