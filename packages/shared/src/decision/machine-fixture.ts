import type { RolloutSpec } from '@rollout-guard/shared/spec';
import type { Decision, Effect, TransitionResult, WebhookType } from './decision.ts';
import type { RolloutEvent } from './events.ts';
import { initialState, type RolloutState } from './state.ts';
import { transition } from './transition.ts';

export const T0 = Date.UTC(2026, 10, 21, 10, 0, 0);
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

export function accept(result: TransitionResult): { state: RolloutState; effects: readonly Effect[] } {
  if (!result.ok) throw new Error(`expected the transition to be accepted, got: ${result.reason}`);
  return result;
}

export function webhooks(effects: readonly Effect[]): WebhookType[] {
  return effects.flatMap((e) => (e.type === 'decision' && e.webhook !== null ? [e.webhook] : []));
}

export function decisions(effects: readonly Effect[]): Decision[] {
  return effects.flatMap((e) => (e.type === 'decision' ? [e.decision] : []));
}

/** A rollout that was started at T0 (no baseline), so it bakes wave 1. */
export function startedRollout(spec: RolloutSpec, specVersion = 3): RolloutState {
  return accept(transition(initialState(spec, specVersion), { type: 'start', actor: 'ana' }, T0)).state;
}

/** Applies events in order, each at its time, requiring every one to be accepted; returns every step. */
export function drive(state: RolloutState, steps: readonly (readonly [RolloutEvent, number])[]) {
  const results: { state: RolloutState; effects: readonly Effect[] }[] = [];
  let current = state;
  for (const [event, at] of steps) {
    const step = accept(transition(current, event, at));
    results.push(step);
    current = step.state;
  }
  return { state: current, steps: results };
}
