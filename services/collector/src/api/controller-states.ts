import {
  type Decision,
  initialState,
  type RolloutEvent,
  type RolloutState,
  transition,
} from '@rollout-guard/shared/decision';
import { testSpec } from '@rollout-guard/shared/store';

// Rollout states for the table tests of the verdict and Flagger gate rules, driven through the real
// state machine without Redis: testSpec's waves 25, 50, 100 bake an hour each; the `latency` criterion
// (mean at most 2, 100 samples) decides each checkpoint.

const T0 = Date.UTC(2026, 10, 21, 10, 0, 0);
const HOUR = 3_600_000;

export interface Driven {
  readonly state: RolloutState;
  /** Every decision made, newest first (as the store lists them). */
  readonly decisions: readonly Decision[];
}

/** An evaluation that finds the `error-rate` guardrail (at most 3%) at 4.1%: a breach, so a rollback. */
export function breachEvent(since: number): RolloutEvent {
  return {
    type: 'evaluation',
    measurements: {
      'error-rate': {
        window: { from: since, to: since + 60_000, label: 'wave' },
        treatment: { samples: 5120, value: 0.041, interval: [0.036, 0.046] },
      },
    },
  };
}

type Step = 'start' | 'go' | 'no-go' | 'inconclusive' | 'approve' | 'breach' | 'pause' | 'abort';

function checkpointEvents(state: RolloutState, samples: number, value: number): [RolloutEvent, number][] {
  const at = state.deadline ?? 0;
  const measurement = {
    window: { from: at - HOUR, to: at, label: 'wave' },
    treatment: { samples, value, interval: [value - 0.1, value + 0.1] as [number, number] },
  };
  return [
    [{ type: 'bake-elapsed' }, at],
    [{ type: 'checkpoint', measurements: { latency: measurement } }, at],
  ];
}

function eventsFor(step: Step, state: RolloutState): [RolloutEvent, number][] {
  const now = state.history.at(-1)?.startedAt ?? T0;
  switch (step) {
    case 'start':
      return [[{ type: 'start', actor: 'ana' }, T0]];
    case 'go':
      return checkpointEvents(state, 5000, 1);
    case 'no-go':
      return checkpointEvents(state, 5000, 3);
    case 'inconclusive':
      return checkpointEvents(state, 50, 1);
    case 'approve':
      return [[{ type: 'approve', actor: 'ana' }, (state.deadline ?? now) + 1]];
    case 'pause':
      return [[{ type: 'pause', actor: 'ana' }, now + 60_000]];
    case 'abort':
      return [[{ type: 'abort', actor: 'ana', reason: 'shipping by hand' }, now + 60_000]];
    case 'breach':
      return [[breachEvent(now), now + 60_000]];
  }
}

/** The rollout after `steps`, each accepted by the state machine, with the decisions they made. */
export function driven(steps: readonly Step[], approval: 'manual' | 'auto' = 'manual'): Driven {
  let state = initialState(testSpec('shop', { approval }), 1);
  const decisions: Decision[] = [];
  for (const step of steps) {
    for (const [event, at] of eventsFor(step, state)) {
      const result = transition(state, event, at);
      if (!result.ok) throw new Error(`${step}: ${result.reason}`);
      state = result.state;
      for (const effect of result.effects) if (effect.type === 'decision') decisions.unshift(effect.decision);
    }
  }
  return { state, decisions };
}
