import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../testing/index.ts';
import { createDeliveryLog, type DeliveryLog } from './delivery-log.ts';
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

describe('delivery log', () => {
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
});
