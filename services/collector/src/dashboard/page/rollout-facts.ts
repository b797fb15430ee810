import type { OperatorAction } from '@rollout-guard/shared/display';
import type { RolloutView } from './api-types.ts';
import { h } from './dom.ts';
import { duration, time } from './format.ts';
import type { Tone } from './tone.ts';

/** What the list and a rollout's page say about a rollout's wave, bake and need for a human. */

export function waveText(view: Pick<RolloutView, 'wave'>): string {
  if (view.wave.index === 0) return `not started (${view.wave.of} waves)`;
  return `${view.wave.index} of ${view.wave.of} · ${view.wave.percent ?? '—'}%`;
}

export function nextWave(view: Pick<RolloutView, 'wave'>): string {
  return view.wave.index < view.wave.of ? `wave ${view.wave.index + 1}` : 'completion';
}

export interface Attention {
  readonly level: Extract<Tone, 'bad' | 'warn'>;
  readonly text: string;
  /** What the text tells the user to do, offered right there. */
  readonly actions: readonly OperatorAction[];
}

const ENDED = ['rolled-back', 'aborted', 'completed'];

/** What a human must do about a rollout, or null. */
export function attention(view: RolloutView): Attention | null {
  if (view.phase === 'awaiting-approval') {
    return {
      level: 'warn',
      text: `awaiting approval: wave ${view.wave.index} passed its checkpoint; approve to go on to ${nextWave(view)}`,
      actions: ['approve'],
    };
  }
  if (view.phase === 'paused' && view.paused?.cause === 'no-go') {
    return {
      level: 'bad',
      text: `no-go at the wave ${view.wave.index} checkpoint: holding at ${view.wave.percent}% — resume re-bakes, rollback turns the flag off`,
      actions: ['resume', 'rollback'],
    };
  }
  if (view.phase === 'paused') {
    return {
      level: 'warn',
      text: `paused (${view.paused?.cause ?? 'operator'}) since ${time(view.paused?.at)}`,
      actions: ['resume', 'rollback'],
    };
  }
  const breached = view.checks.filter((c) => c.state === 'breached').map((c) => c.name);
  if (breached.length > 0 && !ENDED.includes(view.phase)) {
    return { level: 'bad', text: `breached: ${breached.join(', ')}`, actions: ['rollback', 'pause'] };
  }
  return null;
}

/** The bake's progress up to the checkpoint. */
export function bake(view: RolloutView, now = Date.now()): HTMLElement {
  if (view.phase === 'awaiting-approval') return h('span', {}, 'baked: checkpoint passed');
  if (view.waveStartedAt === null || view.checkpointAt === null) return h('span', { class: 'muted' }, '—');
  const total = Math.max(1, view.checkpointAt - view.waveStartedAt);
  const done = Math.min(total, Math.max(0, now - view.waveStartedAt));
  const due = view.checkpointAt > now ? `in ${duration(view.checkpointAt - now)}` : 'due';
  return h(
    'div',
    { class: 'bake' },
    h('progress', { max: total, value: done, 'aria-label': 'bake progress' }),
    h('span', { class: 'muted num' }, `${duration(done)} of ${duration(total)} · checkpoint ${due}`),
  );
}
