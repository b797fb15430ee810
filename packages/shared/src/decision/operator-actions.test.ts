import { describe, expect, it } from 'vitest';
import { OPERATOR_ACTIONS } from './events.ts';
import { startedRollout, T0 } from './machine-fixture.ts';
import { actionsFor } from './operator-actions.ts';
import { specFixture } from './spec-fixture.ts';
import { PHASES, type RolloutState } from './state.ts';
import { transition } from './transition.ts';

/** A rollout in wave 1, moved to `phase` as the state machine would leave it there. */
function inPhase(phase: (typeof PHASES)[number]): RolloutState {
  const running = startedRollout(specFixture());
  if (phase === 'pending') return { ...running, phase, wave: 0 };
  if (phase === 'paused') return { ...running, phase, paused: { from: 'wave', at: T0, cause: 'operator' } };
  return { ...running, phase };
}

describe('actionsFor', () => {
  it.each(PHASES)('offers in %s exactly the actions the state machine accepts', (phase) => {
    const accepted = OPERATOR_ACTIONS.filter(
      (action) => transition(inPhase(phase), { type: action, actor: 'ana' }, T0 + 1000).ok,
    );
    expect(actionsFor(phase)).toEqual(expect.arrayContaining(accepted));
    expect(accepted).toEqual(expect.arrayContaining(actionsFor(phase)));
  });
});
