import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { globalKeys, rolloutKeys } from '../redis/keys.ts';
import type { TestRedis } from '../testing/index.ts';
import { luaScript, runScript } from './lua-script.ts';
import type { DeliveryEntry } from './records.ts';
import { type RolloutStore, UnknownRolloutError } from './rollout-store.ts';
import { useStoreSuite } from './store-test-kit.ts';
import { absoluteMeasurement, testSpec } from './test-rollouts.ts';

const suite = useStoreSuite();
let server: TestRedis;
let redis: Redis;
let store: RolloutStore;
beforeAll(() => {
  ({ server, redis, store } = suite);
});

const put = (name: string, options?: Parameters<typeof testSpec>[1], now = 1_000) =>
  store.putSpec(
    { spec: testSpec(name, options), source: 'kind: Rollout', contentType: 'application/yaml', actor: 'ana' },
    now,
  );

describe('specs', () => {
  it('stores each change as a new version, lists them and reads any one back', async () => {
    const first = await put('checkout');
    expect(first.stored.version).toBe(1);
    expect(first.state).toMatchObject({ rev: 1, state: { phase: 'pending', specVersion: 1 } });
    const second = await put('checkout', { approval: 'auto' }, 2_000);
    expect(second.stored.version).toBe(2);
    // A pending rollout takes the new version at once.
    expect(second.state.state.specVersion).toBe(2);

    expect(await store.listRollouts()).toEqual(['checkout']);
    expect((await store.listSpecVersions('checkout')).map((v) => [v.version, v.actor, v.createdAt])).toEqual([
      [1, 'ana', 1_000],
      [2, 'ana', 2_000],
    ]);
    expect((await store.getSpec('checkout', 1))?.spec.spec.approval).toBe('manual');
    expect((await store.getSpec('checkout'))?.spec.spec.approval).toBe('auto');
    expect(await store.getSpec('checkout', 3)).toBeNull();
    expect(await store.getSpec('nothing')).toBeNull();

    const audit = await store.readAudit('checkout');
    expect(audit.map((entry) => [entry.kind, entry.rev, entry.specVersion])).toEqual([
      ['created', 1, 1],
      ['spec', 2, 2],
    ]);
  });

  it('keeps a running rollout on the version it started with', async () => {
    await put('steady');
    await store.applyEvent('steady', { type: 'start', actor: 'ana' }, 1_500);
    const next = await put('steady', { approval: 'auto' }, 2_000);
    expect(next.stored.version).toBe(2);
    expect(next.state.state).toMatchObject({ phase: 'wave', specVersion: 1 });
    const rollout = await store.getRollout('steady');
    expect(rollout?.spec.version).toBe(1);
    const last = (await store.readAudit('steady')).at(-1);
    expect(last?.summary).toBe('spec version 2 stored by ana');
    expect(JSON.stringify(last?.event)).toContain('keeps judging by version 1');
  });

  it('gives two writers racing on one rollout two different versions', async () => {
    await Promise.all([put('race'), put('race'), put('race')]);
    expect((await store.listSpecVersions('race')).map((v) => v.version)).toEqual([1, 2, 3]);
  });
});

describe('applyEvent', () => {
  it('starts a rollout: state, audit, decision and its outbox deliveries and timer in one step', async () => {
    await put('web');
    const subscriber = new Redis(server.url);
    const published: string[] = [];
    await subscriber.subscribe(globalKeys.changes);
    subscriber.on('message', (_channel, message) => published.push(message));

    const result = await store.applyEvent('web', { type: 'start', actor: 'ana', reason: 'go time' }, 10_000);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.state).toMatchObject({ phase: 'wave', wave: 1 });
    expect(result.rev).toBe(2);
    expect(result.decisions.map((d) => d.kind)).toEqual(['advance']);
    const advance = result.decisions[0]!;

    const outbox = await store.listOutbox('web');
    expect(outbox.map((entry) => entry.kind).sort()).toEqual(['deliver', 'schedule']);
    const delivery = outbox.find((entry): entry is DeliveryEntry => entry.kind === 'deliver');
    expect(delivery).toMatchObject({
      id: `${advance.id}.advance.0`,
      decisionId: advance.id,
      webhook: 'rollout.advance',
      action: 'advance',
      targetIndex: 0,
      specVersion: 1,
    });
    expect(outbox.find((entry) => entry.kind === 'schedule')).toMatchObject({
      event: 'bake-elapsed',
      at: 10_000 + 3_600_000,
      wave: 1,
    });

    expect(await store.getDecision('web', advance.id)).toEqual(advance);
    expect((await store.listDecisions('web')).map((d) => d.id)).toEqual([advance.id]);
    // A decision stored before shadow mode existed reads as taken for real.
    const { shadow: _shadow, ...older } = advance;
    await redis.hset(rolloutKeys('web').decisions, advance.id, JSON.stringify(older));
    expect(await store.getDecision('web', advance.id)).toEqual({ ...older, shadow: false });
    expect((await store.listDecisions('web'))[0]?.shadow).toBe(false);

    const audit = await store.readAudit('web');
    expect(audit.at(-1)).toMatchObject({
      kind: 'transition',
      actor: 'ana',
      rev: 2,
      from: { phase: 'pending', wave: 0 },
      to: { phase: 'wave', wave: 1 },
      decisions: [advance.id],
      event: { type: 'start', reason: 'go time' },
    });

    const active = await store.listActive();
    expect(active).toEqual([
      expect.objectContaining({
        name: 'web',
        phase: 'wave',
        waveIndex: 1,
        waveEpoch: 1,
        waveStartedAt: 10_000,
        metrics: ['errors_total', 'latency_seconds', 'requests_total'],
        flag: 'web-flag',
      }),
    ]);
    await expect.poll(() => published).toContain('web');
    subscriber.disconnect();
  });

  it('records a refused operator action in the audit log without changing the state', async () => {
    await put('early');
    const result = await store.applyEvent('early', { type: 'approve', actor: 'bo' }, 5_000);
    expect(result).toMatchObject({ ok: false, refused: true, rev: 1 });
    const last = (await store.readAudit('early')).at(-1);
    expect(last).toMatchObject({ kind: 'refused', actor: 'bo', rev: 1, to: null });
    expect(last?.summary).toContain('approve refused');
    expect((await store.getState('early'))?.rev).toBe(1);
  });

  it('rolls back on a breach: rollback decision, its delivery, ended state, no longer active', async () => {
    await put('breach');
    await store.applyEvent('breach', { type: 'start', actor: 'ana' }, 1_000);
    const result = await store.applyEvent(
      'breach',
      { type: 'evaluation', measurements: { 'error-rate': absoluteMeasurement(0.08, 5_000, 2_000) } },
      2_000,
    );
    expect(result.ok && result.state.phase).toBe('rolled-back');
    if (!result.ok) return;
    expect(result.decisions.map((d) => d.kind)).toEqual(['rollback']);
    const rollback = result.decisions[0]!;
    const deliveries = (await store.listOutbox('breach')).filter((entry) => entry.kind === 'deliver');
    expect(deliveries.map((entry) => entry.id)).toContain(`${rollback.id}.rollback.0`);
    expect(await store.listActive()).toEqual([]);
  });

  it('does not audit an evaluation that changed nothing but the numbers', async () => {
    await put('quiet');
    await store.applyEvent('quiet', { type: 'start', actor: 'ana' }, 1_000);
    const before = (await store.readAudit('quiet')).length;
    for (let i = 0; i < 3; i++) {
      const ok = await store.applyEvent(
        'quiet',
        { type: 'evaluation', measurements: { 'error-rate': absoluteMeasurement(0.01, 5_000, 2_000 + i) } },
        2_000 + i,
      );
      expect(ok.ok).toBe(true);
    }
    // The first evaluation moves the guardrail from not-evaluated to ok; the next two change nothing.
    expect((await store.readAudit('quiet')).length).toBe(before + 1);
    expect((await store.getState('quiet'))?.rev).toBe(5);
  });

  it('re-reads and retries when the state changed under it, building the event from the fresh state', async () => {
    await put('cas');
    await store.applyEvent('cas', { type: 'start', actor: 'ana' }, 1_000);
    const seenRevs: number[] = [];
    let interfered = false;
    const result = await store.applyEvent(
      'cas',
      async (current) => {
        seenRevs.push(current.rev);
        if (!interfered) {
          // Someone else pauses between this read and this write: the write must not land on their state.
          interfered = true;
          await store.applyEvent('cas', { type: 'pause', actor: 'bo' }, 1_500);
        }
        return current.state.phase === 'paused'
          ? { type: 'resume', actor: 'ana' }
          : { type: 'pause', actor: 'ana' };
      },
      2_000,
    );
    expect(seenRevs).toEqual([2, 3]);
    expect(result).toMatchObject({ ok: true, attempts: 2, rev: 4, state: { phase: 'wave' } });
  });

  it('refuses events for a rollout that does not exist, saying how to create it', async () => {
    await expect(store.applyEvent('ghost', { type: 'start', actor: 'ana' })).rejects.toThrow(
      UnknownRolloutError,
    );
    await expect(store.applyEvent('ghost', { type: 'start', actor: 'ana' })).rejects.toThrow(
      'PUT /api/v1/rollouts/ghost',
    );
  });

  it('resolves an approval racing a breach to one outcome, with both in the audit log', async () => {
    for (let round = 0; round < 10; round++) {
      await redis.flushall();
      const name = `duel-${round}`;
      await put(name, { criteria: false });
      await store.applyEvent(name, { type: 'start', actor: 'ana' }, 1_000);
      await store.applyEvent(name, { type: 'bake-elapsed' }, 1_000 + 3_600_000);
      const stateBefore = await store.getState(name);
      // With no success criteria the checkpoint needs a `checkpoint` event to reach awaiting-approval.
      if (stateBefore?.state.phase === 'checkpoint') {
        await store.applyEvent(name, { type: 'checkpoint', measurements: {} }, 1_000 + 3_600_001);
      }
      expect((await store.getState(name))?.state.phase).toBe('awaiting-approval');
      const at = 1_000 + 3_600_002;
      const [approval, breach] = await Promise.all([
        store.applyEvent(name, { type: 'approve', actor: 'bo' }, at),
        store.applyEvent(
          name,
          { type: 'evaluation', measurements: { 'error-rate': absoluteMeasurement(0.09, 5_000, at) } },
          at,
        ),
      ]);
      const final = await store.getState(name);
      const audit = await store.readAudit(name);
      const approvals = audit.filter((entry) => entry.event.type === 'approve');
      const evaluations = audit.filter((entry) => entry.event.type === 'evaluation');
      expect(approvals).toHaveLength(1);
      expect(evaluations).toHaveLength(1);
      if (approval.ok && approvals[0]!.id < evaluations[0]!.id) {
        // The approval won: wave 2 started, and the breach (measured for this test as wave 2 data) then
        // rolled it back.
        expect(breach.ok).toBe(true);
        expect(final?.state.phase).toBe('rolled-back');
        expect(final?.state.wave).toBe(2);
      } else {
        // The breach won: rolled back in wave 1, and the approval was refused and recorded.
        expect(approval).toMatchObject({ ok: false, refused: true });
        expect(approvals[0]).toMatchObject({ kind: 'refused', actor: 'bo' });
        expect(final?.state).toMatchObject({ phase: 'rolled-back', wave: 1 });
      }
      const rollbacks = (await store.listDecisions(name)).filter((d) => d.kind === 'rollback');
      expect(rollbacks).toHaveLength(1);
    }
  });
});

describe('addSystemDecision', () => {
  it('records an alert once, with its audit entry and deliveries, without touching the state', async () => {
    await put('alerting', { receiver: 'http://127.0.0.1:9' });
    const decision = {
      id: 'alert_1',
      kind: 'alert',
      outcome: 'alert',
      rollout: 'alerting',
      flag: 'alerting-flag',
      specVersion: 1,
      wave: null,
      actor: { type: 'system' },
      reason: 'delivery dec_x.rollback.0 gave up after 24 h',
      at: 5_000,
      phase: { from: 'pending', to: 'pending' },
      checks: [],
      shadow: false,
    } as const;
    const spec = testSpec('alerting');
    await store.putSpec(
      {
        spec: {
          ...spec,
          spec: { ...spec.spec, actions: { ...spec.spec.actions, alert: spec.spec.actions.rollback } },
        },
        source: '',
        contentType: 'application/json',
        actor: 'ana',
      },
      2_000,
    );
    const stored = await store.addSystemDecision(
      'alerting',
      { ...decision, specVersion: 2 },
      'rollout.alert',
      5_000,
    );
    expect(stored.map((entry) => entry.id)).toEqual(['alert_1.alert.0']);
    expect(
      await store.addSystemDecision('alerting', { ...decision, specVersion: 2 }, 'rollout.alert'),
    ).toEqual([]);
    expect((await store.listOutbox('alerting')).map((entry) => entry.id)).toEqual(['alert_1.alert.0']);
    expect((await store.readAudit('alerting')).at(-1)).toMatchObject({
      actor: 'system',
      decisions: ['alert_1'],
    });
    expect((await store.getState('alerting'))?.rev).toBe(2);
  });
});

describe('apply-transition script', () => {
  const script = luaScript('apply-transition', new URL('./apply-transition.lua', import.meta.url));
  const keysOf = (name: string) => {
    const keys = rolloutKeys(name);
    return [keys.state, keys.audit, keys.decisions, keys.decisionIndex, keys.outbox];
  };

  it('refuses a stale rev and writes nothing', async () => {
    const keys = keysOf('lua');
    expect(await runScript(redis, script, keys, [0, '{"a":1}', 5, 1, 0, 0, '{"audit":1}'])).toEqual([
      1,
      1,
      expect.any(String),
    ]);
    expect(await runScript(redis, script, keys, [0, '{"a":2}', 6, 1, 0, 0, '{"audit":2}'])).toEqual([0, 1]);
    expect(JSON.parse((await redis.get(keys[0]!))!)).toEqual({ rev: 1, updatedAt: 5, state: { a: 1 } });
    expect(await redis.xlen(keys[1]!)).toBe(1);
  });

  it('stores a decision once: a repeated decision id adds no outbox entries', async () => {
    const keys = keysOf('once');
    const decide = (rev: number, outboxId: string) =>
      runScript(redis, script, keys, [
        rev,
        '{}',
        7,
        0,
        1,
        1,
        'dec_1',
        '{"id":"dec_1"}',
        7,
        outboxId,
        'dec_1',
        '{}',
      ]);
    await decide(0, 'dec_1.rollback.0');
    await decide(1, 'dec_1.rollback.1');
    expect(await redis.hkeys(keys[4]!)).toEqual(['dec_1.rollback.0']);
    expect(await redis.zrange(keys[3]!, 0, -1)).toEqual(['dec_1']);
  });

  it('runs again after Redis forgot its scripts', async () => {
    await redis.script('FLUSH');
    expect(await runScript(redis, script, keysOf('flushed'), [0, '{}', 1, 0, 0, 0])).toEqual([1, 1]);
  });
});
