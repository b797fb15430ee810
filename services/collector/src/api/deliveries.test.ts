import { defaultQueuePrefix, deliverJobId } from '@rollout-guard/shared/jobs';
import type { DeliveryEntry } from '@rollout-guard/shared/store';
import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ApiTestApp, type Loose, startApiApp } from './api-test-kit.ts';

function entry(rollout: string, id: string, createdAt: number): DeliveryEntry {
  return {
    kind: 'deliver',
    id,
    rollout,
    decisionId: id.split('.')[0]!,
    webhook: 'rollout.rollback',
    action: 'rollback',
    targetIndex: 0,
    specVersion: 1,
    createdAt,
  };
}

describe('the delivery log API', () => {
  let redis: TestRedis;
  let api: ApiTestApp;
  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    api = await startApiApp(redis.url);
  });
  beforeEach(async () => {
    await api.redis.flushall();
    const target = { format: 'standard', destination: 'flags.internal' };
    await api.deps.deliveries.open(entry('a', 'd1.rollback.0', 1000), target);
    await api.deps.deliveries.open(entry('b', 'd2.rollback.0', 2000), target);
    await api.deps.deliveries.update('d1.rollback.0', { status: 'gave-up', attempts: 30 });
  });
  afterAll(async () => {
    await api.close();
    await redis.stop();
  });

  it('lists deliveries newest first, and those of one rollout', async () => {
    const all: Loose = await (await api.call('GET', '/api/v1/deliveries', { token: 'reader' })).json();
    expect(all.deliveries.map((d: Loose) => [d.id, d.status])).toEqual([
      ['d2.rollback.0', 'pending'],
      ['d1.rollback.0', 'gave-up'],
    ]);
    const one: Loose = await (
      await api.call('GET', '/api/v1/deliveries?rollout=a', { token: 'reader' })
    ).json();
    expect(one.deliveries.map((d: Loose) => d.id)).toEqual(['d1.rollback.0']);
    expect((await api.call('GET', '/api/v1/deliveries', { token: null })).status).toBe(401);
  });

  it("answers ?rollout= with an old rollout's deliveries however many newer ones other rollouts have", async () => {
    const target = { format: 'standard', destination: 'flags.internal' };
    for (let i = 0; i < 2_500; i++) {
      await api.deps.deliveries.open(entry(i % 2 === 0 ? 'b' : 'c', `n${i}.rollback.0`, 10_000 + i), target);
    }
    const one: Loose = await (
      await api.call('GET', '/api/v1/deliveries?rollout=a', { token: 'reader' })
    ).json();
    expect(one.deliveries.map((d: Loose) => [d.id, d.status, d.rollout])).toEqual([
      ['d1.rollback.0', 'gave-up', 'a'],
    ]);
    expect(one.deliveries[0].endedAt).toEqual(expect.any(Number));
    const busy: Loose = await (
      await api.call('GET', '/api/v1/deliveries?rollout=b&limit=1000', { token: 'reader' })
    ).json();
    expect(busy.deliveries).toHaveLength(1000);
    expect(busy.deliveries.every((d: Loose) => d.rollout === 'b')).toBe(true);
  });

  it('stops listing deliveries the evaluator trimmed, and keeps the pending ones', async () => {
    expect(await api.deps.deliveries.trim({ now: Date.now() + 31 * 86_400_000 })).toBe(1);
    const all: Loose = await (await api.call('GET', '/api/v1/deliveries', { token: 'reader' })).json();
    expect(all.deliveries.map((d: Loose) => d.id)).toEqual(['d2.rollback.0']);
    const one: Loose = await (
      await api.call('GET', '/api/v1/deliveries?rollout=a', { token: 'reader' })
    ).json();
    expect(one.deliveries).toEqual([]);
    expect(
      (await api.call('POST', '/api/v1/deliveries/d1.rollback.0/redeliver', { token: 'operator' })).status,
    ).toBe(404);
  });

  it('redelivers an ended delivery as a fresh retry chain with a new job', async () => {
    const res = await api.call('POST', '/api/v1/deliveries/d1.rollback.0/redeliver', { token: 'operator' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ id: 'd1.rollback.0', status: 'pending', redeliveries: 1 });
    expect(await api.deps.deliveries.get('d1.rollback.0')).toMatchObject({
      status: 'pending',
      redeliveries: 1,
      firstAttemptAt: null,
      note: expect.stringContaining('operator'),
    });
    const queue = new Queue('deliver', { connection: api.redis, prefix: defaultQueuePrefix });
    const job = await queue.getJob(`${deliverJobId('d1.rollback.0')}.r1`);
    expect(job?.data).toEqual({ deliveryId: 'd1.rollback.0', rollout: 'a' });
    await queue.close();
  });

  it('writes who asked for a redelivery and why to the rollout’s audit log', async () => {
    const res = await api.call('POST', '/api/v1/deliveries/d1.rollback.0/redeliver', {
      token: 'operator',
      type: 'application/json',
      body: JSON.stringify({ reason: 'the flag service was down until 10:05' }),
    });
    expect(res.status).toBe(202);
    const audit = await api.deps.store.readAudit('a');
    expect(audit.at(-1)).toMatchObject({
      kind: 'redelivery',
      actor: 'operator',
      event: {
        type: 'redeliver',
        actor: 'operator',
        delivery: 'd1.rollback.0',
        reason: 'the flag service was down until 10:05',
      },
      decisions: ['d1'],
      deliveries: ['d1.rollback.0'],
      summary: expect.stringContaining('the flag service was down until 10:05'),
    });
    expect((await api.deps.deliveries.get('d1.rollback.0'))?.note).toContain('the flag service was down');

    const bad = await api.call('POST', '/api/v1/deliveries/d1.rollback.0/redeliver', {
      token: 'operator',
      type: 'application/json',
      body: JSON.stringify({ why: 'x' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Loose).message).toContain('{"reason": "<text>"}');
  });

  it('refuses to redeliver one still being tried (409), an unknown one (404), and without operate (403)', async () => {
    expect(
      (await api.call('POST', '/api/v1/deliveries/d2.rollback.0/redeliver', { token: 'operator' })).status,
    ).toBe(409);
    expect((await api.call('POST', '/api/v1/deliveries/nope/redeliver', { token: 'operator' })).status).toBe(
      404,
    );
    expect(
      (await api.call('POST', '/api/v1/deliveries/d1.rollback.0/redeliver', { token: 'reader' })).status,
    ).toBe(403);
  });
});
