import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { specFixture } from '../decision/spec-fixture.ts';
import { initialState, type RolloutState } from '../decision/state.ts';
import { amendedState } from './amend-running.ts';
import { createRolloutStore, type RolloutStore } from './rollout-store.ts';
import { useStoreSuite } from './store-test-kit.ts';
import { testSpec } from './test-rollouts.ts';

const suite = useStoreSuite();
let redis: Redis;
let store: RolloutStore;
beforeAll(() => {
  ({ redis, store } = suite);
});

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

/**
 * A client on the real Redis whose process "dies" right after its first script ran: every later command
 * fails, as if the collector crashed at that point (before, the running rollout was amended by a second
 * script, so this was the moment that left a version stored but not applied).
 */
function dyingAfterFirstScript(client: Redis): Redis {
  let dead = false;
  return new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (dead) return () => Promise.reject(new Error('the process is gone'));
      if (property === 'evalsha' || property === 'eval') {
        return async (...args: unknown[]) => {
          const reply = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          dead = true;
          return reply;
        };
      }
      return value.bind(target);
    },
  });
}

const input = (name: string, options: Parameters<typeof testSpec>[1] = {}) => ({
  spec: testSpec(name, options),
  source: 'kind: Rollout',
  contentType: 'application/yaml',
  actor: 'ana',
});

describe('a new spec version applied to a running rollout', () => {
  it('is stored and applied in one step: version, amended state, moved checkpoint and one audit entry', async () => {
    await store.putSpec(input('amend'), 1_000);
    await store.applyEvent('amend', { type: 'start', actor: 'ana' }, 1_500);
    const started = await store.getState('amend');
    expect(started?.state).toMatchObject({ phase: 'wave', specVersion: 1 });

    const { stored, state } = await store.putSpec(
      { ...input('amend', { bake: '2h' }), applyToRunning: { changed: ['spec.waves[0].bake'] } },
      2_000,
    );
    expect(stored.version).toBe(2);
    expect(state).toMatchObject({ rev: started!.rev + 1, state: { phase: 'wave', specVersion: 2 } });
    expect(state.state.deadline).toBe(started!.state.deadline! + HOUR);
    expect(await store.getState('amend')).toEqual(state);
    expect((await store.listOutbox('amend')).filter((entry) => entry.kind === 'schedule')).toContainEqual(
      expect.objectContaining({ event: 'bake-elapsed', at: state.state.deadline, wave: 1 }),
    );
    const audit = (await store.readAudit('amend')).filter((entry) => entry.kind === 'spec');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      rev: state.rev,
      specVersion: 2,
      summary: 'spec version 2 applied to the running rollout by ana: spec.waves[0].bake',
    });
    expect((await store.syncActive('amend'))?.specVersion).toBe(2);
  });

  it('cannot be left stored but not applied: a crash right after the store step finds it applied', async () => {
    await store.putSpec(input('crash'), 1_000);
    await store.applyEvent('crash', { type: 'start', actor: 'ana' }, 1_500);
    const started = await store.getState('crash');

    const dying = createRolloutStore(dyingAfterFirstScript(redis));
    await expect(
      dying.putSpec(
        { ...input('crash', { bake: '2h' }), applyToRunning: { changed: ['spec.waves[0].bake'] } },
        2_000,
      ),
    ).rejects.toThrow('the process is gone');

    // What the crashed writer left, read afresh: the version is stored and the running rollout judges by it.
    const after = createRolloutStore(redis);
    expect((await after.getSpec('crash'))?.version).toBe(2);
    const state = await after.getState('crash');
    expect(state?.state).toMatchObject({ phase: 'wave', specVersion: 2 });
    expect(state?.state.deadline).toBe(started!.state.deadline! + HOUR);
    expect((await after.getRollout('crash'))?.spec.version).toBe(2);
    // The collectors' view, which the crash kept from being synced, is repaired by the sweeper's syncActive.
    expect((await after.syncActive('crash'))?.specVersion).toBe(2);
  });

  it('is applied whichever way it races a transition of the rollout (the script checks the rev it read)', async () => {
    await store.putSpec(input('racing'), 1_000);
    await store.applyEvent('racing', { type: 'start', actor: 'ana' }, 1_500);
    // Another writer's transitions racing the amendment: each one bumps the rev the script checks.
    const [amended] = await Promise.all([
      store.putSpec(
        { ...input('racing', { approval: 'auto' }), applyToRunning: { changed: ['spec.approval'] } },
        2_000,
      ),
      store.applyEvent('racing', { type: 'pause', actor: 'bo' }, 2_000),
    ]);
    expect((await store.listSpecVersions('racing')).map((v) => v.version)).toEqual([1, 2]);
    const state = await store.getState('racing');
    expect(state?.state.specVersion).toBe(2);
    expect(state?.state.spec.spec.approval).toBe('auto');
    expect(state?.rev).toBeGreaterThanOrEqual(amended.state.rev);
  });

  it('leaves a running rollout on its version when not asked to apply it', async () => {
    await store.putSpec(input('keep'), 1_000);
    await store.applyEvent('keep', { type: 'start', actor: 'ana' }, 1_500);
    const { stored, state } = await store.putSpec(input('keep', { approval: 'auto' }), 2_000);
    expect(stored.version).toBe(2);
    expect(state.state.specVersion).toBe(1);
    expect(await store.listOutbox('keep')).not.toContainEqual(expect.objectContaining({ createdAt: 2_000 }));
  });
});
