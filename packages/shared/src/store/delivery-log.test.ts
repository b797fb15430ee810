import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../testing/index.ts';
import { createDeliveryLog, type DeliveryLog, rolloutDeliveriesKey } from './delivery-log.ts';
import type { DeliveryEntry } from './records.ts';

let server: TestRedis;
let redis: Redis;
let log: DeliveryLog;

beforeAll(async () => {
  server = await startRedis({ appendonly: false });
  redis = new Redis(server.url);
  log = createDeliveryLog(redis);
});

afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

const entry = (id: string, rollout: string, createdAt: number): DeliveryEntry => ({
  kind: 'deliver',
  id,
  rollout,
  decisionId: id.split('.')[0]!,
  webhook: 'rollout.rollback',
  action: 'rollback',
  targetIndex: 0,
  specVersion: 1,
  createdAt,
});

const DAY = 86_400_000;
const target = { format: 'standard', destination: 'hooks.example' };

describe('delivery log', () => {
  beforeEach(async () => {
    await redis.flushall();
  });

  it('opens a record once, keeps every attempt in order and lists newest first', async () => {
    const target = { format: 'standard', destination: 'hooks.example' };
    const first = await log.open(entry('dec_a.rollback.0', 'web', 1_000), target, { triggeredAt: 900 });
    expect(first).toMatchObject({ status: 'pending', attempts: 0, triggeredAt: 900, format: 'standard' });
    await log.recordAttempt(
      'dec_a.rollback.0',
      { attempt: 1, at: 1_100, status: 503, latencyMs: 12, responseExcerpt: 'busy', outcome: 'retry' },
      { status: 'retrying', attempts: 1, firstAttemptAt: 1_100, lastAttemptAt: 1_100, nextAttemptAt: 2_100 },
    );
    // A second open (the sweeper racing the evaluator) keeps what happened so far.
    expect(await log.open(entry('dec_a.rollback.0', 'web', 1_000), target)).toMatchObject({
      status: 'retrying',
      attempts: 1,
    });
    await log.recordAttempt(
      'dec_a.rollback.0',
      { attempt: 2, at: 2_100, status: 200, latencyMs: 8, responseExcerpt: 'ok', outcome: 'delivered' },
      { status: 'delivered', attempts: 2, lastAttemptAt: 2_100, deliveredAt: 2_100, nextAttemptAt: null },
    );
    await log.open(entry('dec_b.rollback.0', 'api', 3_000), target);

    expect((await log.attempts('dec_a.rollback.0')).map((a) => [a.attempt, a.status, a.outcome])).toEqual([
      [1, 503, 'retry'],
      [2, 200, 'delivered'],
    ]);
    expect((await log.list()).map((r) => [r.id, r.status])).toEqual([
      ['dec_b.rollback.0', 'pending'],
      ['dec_a.rollback.0', 'delivered'],
    ]);
    expect((await log.list({ rollout: 'web' })).map((r) => r.id)).toEqual(['dec_a.rollback.0']);
    expect(await log.get('missing')).toBeNull();
    await expect(log.update('missing', { status: 'stopped' })).rejects.toThrow('not in the delivery log');
  });

  it('filters by rollout through its own index: an old rollout behind many newer ones is found whole', async () => {
    for (let i = 0; i < 3; i++) await log.open(entry(`old${i}.rollback.0`, 'old', 1_000 + i), target);
    // Far more newer deliveries of other rollouts than any window of the global list would cover.
    for (let i = 0; i < 2_500; i++) {
      await log.open(entry(`new${i}.rollback.0`, i % 2 === 0 ? 'busy' : 'other', 10_000 + i), target);
    }
    expect((await log.list({ rollout: 'old' })).map((r) => r.id)).toEqual([
      'old2.rollback.0',
      'old1.rollback.0',
      'old0.rollback.0',
    ]);
    expect((await log.list({ rollout: 'old', limit: 2 })).map((r) => r.id)).toEqual([
      'old2.rollback.0',
      'old1.rollback.0',
    ]);
    const busy = await log.list({ rollout: 'busy', limit: 1_000 });
    expect(busy).toHaveLength(1_000);
    expect(busy.every((r) => r.rollout === 'busy')).toBe(true);
    expect(busy[0]?.id).toBe('new2498.rollback.0');
    expect(await log.list({ rollout: 'never' })).toEqual([]);
  });

  it('trims only deliveries that ended longer ago than the retention, with their attempts and index entries', async () => {
    const now = 100 * DAY;
    let clock = now - 40 * DAY;
    const trimmed = createDeliveryLog(redis, { retentionMs: 30 * DAY, now: () => clock });
    const end = async (id: string, status: 'delivered' | 'gave-up' | 'stopped' | 'skipped') => {
      await trimmed.recordAttempt(
        id,
        {
          attempt: 1,
          at: clock,
          latencyMs: 5,
          responseExcerpt: '',
          outcome: status === 'gave-up' ? 'gave-up' : status,
        },
        { status, attempts: 1, lastAttemptAt: clock, nextAttemptAt: null },
      );
    };
    // Created and ended 40 days ago: each final status goes.
    const finals = ['delivered', 'gave-up', 'stopped', 'skipped'] as const;
    for (const [i, status] of finals.entries()) {
      await trimmed.open(entry(`old${i}.rollback.0`, 'web', clock), target);
      await end(`old${i}.rollback.0`, status);
    }
    // Created 40 days ago and still being tried: stays, however old.
    await trimmed.open(entry('pending.rollback.0', 'web', clock), target);
    await trimmed.open(entry('retrying.rollback.0', 'api', clock), target);
    await trimmed.recordAttempt(
      'retrying.rollback.0',
      { attempt: 1, at: clock, status: 503, latencyMs: 5, responseExcerpt: 'busy', outcome: 'retry' },
      { status: 'retrying', attempts: 1, lastAttemptAt: clock, nextAttemptAt: clock + 60_000 },
    );
    // Created 40 days ago, redelivered and ended 10 days ago: retention counts from its end.
    await trimmed.open(entry('redelivered.rollback.0', 'api', clock), target);
    await end('redelivered.rollback.0', 'gave-up');
    clock = now - 10 * DAY;
    await trimmed.update('redelivered.rollback.0', { status: 'pending', redeliveries: 1 });
    expect((await trimmed.get('redelivered.rollback.0'))?.endedAt).toBeUndefined();
    await end('redelivered.rollback.0', 'delivered');
    // Created and ended a day ago.
    clock = now - DAY;
    await trimmed.open(entry('recent.rollback.0', 'web', clock), target);
    await end('recent.rollback.0', 'delivered');

    clock = now;
    // Bounded: one call removes at most maxRemovals; the next goes on.
    expect(await trimmed.trim({ maxRemovals: 3 })).toBe(3);
    expect(await trimmed.trim()).toBe(1);
    expect(await trimmed.trim()).toBe(0);

    const kept = ['recent.rollback.0', 'redelivered.rollback.0', 'retrying.rollback.0', 'pending.rollback.0'];
    expect((await trimmed.list()).map((r) => r.id).sort()).toEqual([...kept].sort());
    expect((await trimmed.list({ rollout: 'web' })).map((r) => r.id).sort()).toEqual([
      'pending.rollback.0',
      'recent.rollback.0',
    ]);
    for (const i of finals.keys()) {
      expect(await trimmed.get(`old${i}.rollback.0`)).toBeNull();
      expect(await trimmed.attempts(`old${i}.rollback.0`)).toEqual([]);
    }
    expect(await redis.zcard(rolloutDeliveriesKey('web'))).toBe(2);
    expect(await trimmed.attempts('retrying.rollback.0')).toHaveLength(1);
    expect(await trimmed.attempts('redelivered.rollback.0')).toHaveLength(2);

    // Once the rest are old enough and ended, they go too; the still-pending one never does.
    expect(await trimmed.trim({ now: now + 365 * DAY })).toBe(2);
    expect((await trimmed.list()).map((r) => r.id).sort()).toEqual([
      'pending.rollback.0',
      'retrying.rollback.0',
    ]);
  });

  it('finishes a trim cut short: index entries whose record is gone are dropped', async () => {
    await log.open(entry('a.rollback.0', 'web', 1_000), target);
    await log.open(entry('b.rollback.0', 'web', 2_000), target);
    // As if a trim removed the record and stopped before its index entries.
    await redis.del('rg:delivery:a.rollback.0');
    expect((await log.list({ rollout: 'web' })).map((r) => r.id)).toEqual(['b.rollback.0']);
    expect(await redis.zrange(rolloutDeliveriesKey('web'), 0, -1)).toEqual(['b.rollback.0']);
    expect(await log.trim({ now: Date.now() + 400 * DAY })).toBe(0);
    expect(await redis.zrange('rg:deliveries', 0, -1)).toEqual(['b.rollback.0']);
  });

  it('never loses a change to a concurrent writer (each update is a compare-and-set)', async () => {
    await log.open(entry('c.rollback.0', 'web', 1_000), target);
    // Both read the same record before either writes: the second write must not drop the first one's change.
    await Promise.all([
      log.update('c.rollback.0', { note: 'first' }),
      log.update('c.rollback.0', { redeliveries: 2 }),
    ]);
    expect(await log.get('c.rollback.0')).toMatchObject({ note: 'first', redeliveries: 2 });
  });
});
