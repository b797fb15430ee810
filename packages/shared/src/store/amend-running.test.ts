import { describe, expect, it } from 'vitest';
import { specFixture } from '../decision/spec-fixture.ts';
import { initialState, type RolloutState } from '../decision/state.ts';
import { amendedState } from './amend-running.ts';

const HOUR = 3_600_000;
const before = specFixture();
const longer = specFixture({
  waves: [
    { percent: 25, bake: '3h' },
    { percent: 50, bake: '1h' },
    { percent: 100, bake: '1h' },
  ],
});

function baking(phase: RolloutState['phase'] = 'wave'): RolloutState {
  return {
    ...initialState(before, 1),
    phase,
    wave: 1,
    deadline: 10 * HOUR,
    bakeStartedAt: 9 * HOUR,
    bakeMs: HOUR,
  };
}

describe('amendedState', () => {
  it('moves the checkpoint of the wave being baked by the change of its bake, with a timer for it', () => {
    const { state, schedule } = amendedState(baking(), longer, 2, 9.5 * HOUR);
    expect(state).toMatchObject({ specVersion: 2, spec: longer, bakeMs: 3 * HOUR, deadline: 12 * HOUR });
    expect(schedule).toEqual({
      kind: 'schedule',
      id: `contact-center-copilot:v2:wave-1:bake-elapsed:${12 * HOUR}`,
      rollout: 'contact-center-copilot',
      event: 'bake-elapsed',
      at: 12 * HOUR,
      wave: 1,
      createdAt: 9.5 * HOUR,
    });
  });

  it('never sets a checkpoint in the past when a bake shrinks below the time already baked', () => {
    const { state, schedule } = amendedState(
      { ...baking(), bakeMs: 3 * HOUR, deadline: 12 * HOUR, spec: longer },
      before,
      2,
      11 * HOUR,
    );
    expect(state.deadline).toBe(11 * HOUR);
    expect(schedule?.at).toBe(11 * HOUR);
  });

  it('only swaps the spec when the current bake is unchanged or the rollout is not baking', () => {
    for (const state of [baking('paused'), baking('awaiting-approval'), { ...baking(), wave: 2 }]) {
      const next = amendedState(state, longer, 2, 9.5 * HOUR);
      expect(next.schedule).toBeNull();
      expect(next.state).toEqual({ ...state, spec: longer, specVersion: 2 });
    }
  });
});
