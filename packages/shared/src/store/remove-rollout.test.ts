import { describe, expect, it } from 'vitest';
import { globalKeys, rolloutKeys } from '../redis/keys.ts';
import { createDeliveryLog } from './delivery-log.ts';
import { operate } from './operate.ts';
import { removeRollout } from './remove-rollout.ts';
import { scanRolloutKeys } from './scan-rollout-keys.ts';
import { useStoreSuite } from './store-test-kit.ts';
import { testSpec } from './test-rollouts.ts';

const suite = useStoreSuite();
const DAY = 86_400_000;

/** A rollout that ran and was aborted, its outbox drained as an evaluator would, with metric data. */
async function finished(name: string) {
  await suite.store.putSpec({
    spec: testSpec(name),
    source: '',
    contentType: 'application/json',
    actor: 'ana',
  });
  await operate(suite.store, name, 'start', 'ana');
  await operate(suite.store, name, 'abort', 'ana', 'done with it');
  const outbox = await suite.store.listOutbox(name);
  await suite.store.removeOutbox(
    name,
    outbox.map((entry) => entry.id),
  );
  const keys = rolloutKeys(name);
  await suite.redis.hset(keys.metricBucket('10s', 'requests_total', 'treatment', 0), 'ci', 5);
  await suite.redis.hset(keys.waveTotal(1, 'requests_total', 'treatment'), 'ci', 5);
  await suite.redis.hset(keys.seriesState('requests_total'), 's1', '0 1 ci=5');
  await suite.redis.set(keys.seriesStateFence('requests_total'), 'moved', 'EX', 600);
}

const remove = (name: string, mode: 'archive' | 'delete') =>
  removeRollout(suite.redis, createDeliveryLog(suite.redis), {
    name,
    mode,
    actor: 'bo',
    auditRetentionMs: 30 * DAY,
  });

describe('removeRollout', () => {
  it('deletes a finished rollout and every key of it but its audit log, which expires after its retention', async () => {
    await finished('gone');
    expect(await remove('gone', 'delete')).toMatchObject({ ok: true });
    expect(await scanRolloutKeys(suite.redis, 'gone')).toEqual([rolloutKeys('gone').audit]);
    const ttl = await suite.redis.pttl(rolloutKeys('gone').audit);
    expect(ttl).toBeGreaterThan(30 * DAY - 60_000);
    expect(ttl).toBeLessThanOrEqual(30 * DAY);
    const audit = await suite.store.readAudit('gone');
    expect(audit.at(-1)).toMatchObject({ kind: 'deleted', actor: 'bo', from: { phase: 'aborted' } });
    // In the all-rollouts audit log too, which outlives the rollout.
    const log = await suite.store.readAuditLog({ rollout: 'gone', order: 'desc', limit: 1 });
    expect(log.entries[0]).toMatchObject({ rollout: 'gone', kind: 'deleted', actor: 'bo' });
    expect(await suite.store.listRollouts()).toEqual([]);
    expect(await suite.store.getRollout('gone')).toBeNull();
  });

  it('archives a finished rollout: listed apart, metric data gone, history kept; a new version brings it back', async () => {
    await finished('kept');
    expect(await remove('kept', 'archive')).toMatchObject({ ok: true, keysRemoved: 4 });
    expect(await suite.store.listRollouts()).toEqual([]);
    expect(await suite.store.listArchived()).toEqual(['kept']);
    expect((await suite.store.getRollout('kept'))?.state.state.phase).toBe('aborted');
    expect((await suite.store.listDecisions('kept')).length).toBeGreaterThan(0);
    const left = (await scanRolloutKeys(suite.redis, 'kept')).map((key) => key.split('}:')[1]).sort();
    expect(left).toEqual(['audit', 'decisions', 'decisions:idx', 'spec', 'state']);
    expect(await suite.redis.pttl(rolloutKeys('kept').audit)).toBe(-1);

    await suite.store.putSpec({
      spec: testSpec('kept'),
      source: '',
      contentType: 'application/json',
      actor: 'cy',
    });
    expect(await suite.store.listRollouts()).toEqual(['kept']);
    expect(await suite.store.listArchived()).toEqual([]);
  });

  it('refuses a rollout under way, one with work in its outbox, and one with deliveries pending', async () => {
    await suite.store.putSpec({
      spec: testSpec('busy'),
      source: '',
      contentType: 'application/json',
      actor: 'ana',
    });
    await operate(suite.store, 'busy', 'start', 'ana');
    expect(await remove('busy', 'delete')).toEqual({
      ok: false,
      code: 'CONFLICT',
      message:
        'Cannot delete rollout "busy": it is wave; only a completed, rolled-back or aborted rollout can be, so abort it first',
    });
    await operate(suite.store, 'busy', 'abort', 'ana');
    expect(await remove('busy', 'archive')).toMatchObject({
      ok: false,
      code: 'CONFLICT',
      message: expect.stringMatching(/still waiting in its outbox/),
    });
    const outbox = await suite.store.listOutbox('busy');
    const delivery = outbox.find((entry) => entry.kind === 'deliver');
    if (delivery?.kind !== 'deliver') throw new Error('the start should have asked for a delivery');
    await createDeliveryLog(suite.redis).open(delivery, { format: 'standard', destination: 'http://x' });
    await suite.store.removeOutbox(
      'busy',
      outbox.map((entry) => entry.id),
    );
    expect(await remove('busy', 'delete')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/1 webhook deliveries are still pending or retrying/),
    });
    expect(await suite.redis.sismember(globalKeys.rollouts, 'busy')).toBe(1);
  });

  it('answers NOT_FOUND for a rollout that does not exist', async () => {
    expect(await remove('nobody', 'delete')).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  });
});
