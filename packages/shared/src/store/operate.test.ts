import { beforeAll, describe, expect, it } from 'vitest';
import { operate, UnknownActionError } from './operate.ts';
import type { RolloutStore } from './rollout-store.ts';
import { useStoreSuite } from './store-test-kit.ts';
import { testSpec } from './test-rollouts.ts';

const suite = useStoreSuite({ flushAfterEach: false });
let store: RolloutStore;

beforeAll(async () => {
  store = suite.store;
  await store.putSpec(
    { spec: testSpec('ops'), source: '', contentType: 'application/json', actor: 'ana' },
    1,
  );
});

describe('operate', () => {
  it('applies each action with its actor and reason, and records refusals', async () => {
    expect(await operate(store, 'ops', 'start', 'ana', 'ship it', 10)).toMatchObject({
      ok: true,
      state: { phase: 'wave', wave: 1 },
    });
    expect(await operate(store, 'ops', 'pause', 'bo', 'investigating', 20)).toMatchObject({
      ok: true,
      state: { phase: 'paused' },
    });
    expect(await operate(store, 'ops', 'approve', 'cy', undefined, 30)).toMatchObject({
      ok: false,
      refused: true,
    });
    expect(await operate(store, 'ops', 'resume', 'bo', '', 40)).toMatchObject({
      ok: true,
      state: { phase: 'wave' },
    });
    expect(await operate(store, 'ops', 'rollback', 'ana', 'support tickets', 50)).toMatchObject({
      ok: true,
      state: { phase: 'rolled-back' },
    });
    const audit = await store.readAudit('ops');
    expect(audit.slice(1).map((entry) => [entry.kind, entry.actor, entry.event.type])).toEqual([
      ['transition', 'ana', 'start'],
      ['transition', 'bo', 'pause'],
      ['refused', 'cy', 'approve'],
      ['transition', 'bo', 'resume'],
      ['transition', 'ana', 'rollback'],
    ]);
    expect(audit[1]?.event).toMatchObject({ reason: 'ship it' });
    expect(audit[4]?.event).not.toHaveProperty('reason');
    const rollback = (await store.listDecisions('ops')).find((d) => d.kind === 'rollback');
    expect(rollback?.actor).toEqual({ type: 'operator', name: 'ana' });
  });

  it('refuses an unknown action and a missing actor with what would be right', async () => {
    await expect(operate(store, 'ops', 'launch', 'ana')).rejects.toThrow(
      'unknown action "launch": expected one of start, pause, resume, approve, abort, rollback',
    );
    await expect(operate(store, 'ops', 'pause', ' ')).rejects.toThrow(UnknownActionError);
  });
});
