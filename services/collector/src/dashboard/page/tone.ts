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
