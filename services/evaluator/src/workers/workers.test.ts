import { createRolloutStore, operate, type RolloutStore, testSpec } from '@rollout-guard/shared/store';
import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type TestReceiver } from '../delivery/test-receiver.ts';
import type { EvaluatorCore } from '../evaluator.ts';
import { addWaveCounts, notifyData, startTestEvaluator, TEST_SECRET } from '../evaluator-test-kit.ts';

let server: TestRedis;
let redis: Redis;
let store: RolloutStore;
let receiver: TestReceiver;
let evaluator: EvaluatorCore;

beforeAll(async () => {
  server = await startRedis({ appendonly: false });
  redis = new Redis(server.url);
  store = createRolloutStore(redis);
});

afterEach(async () => {
  await evaluator?.close(500);
  await receiver?.close();
  await redis.flushall();
});

afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

describe('evaluator workers', () => {
  it('turns a breach into exactly one signed rollout.rollback', async () => {
    receiver = await startReceiver();
    evaluator = await startTestEvaluator(server.url);
    await store.putSpec({
      spec: testSpec('breach', { receiver: receiver.url }),
      source: '',
      contentType: 'application/json',
      actor: 'ana',
    });
    await operate(store, 'breach', 'start', 'ana');
    await addWaveCounts(redis, 'breach', 1, { treatment: { errors_total: 400, requests_total: 5_000 } });
    await notifyData(evaluator, 'breach');
    await expect
      .poll(() => receiver.requests.filter((r) => r.path === '/rollback').length, { timeout: 10_000 })
      .toBe(1);
    const rollback = receiver.requests.find((r) => r.path === '/rollback')!;
    const verified = new Webhook(TEST_SECRET).verify(rollback.body, rollback.headers) as {
      type: string;
      data: { decisionId: string };
    };
    expect(verified.type).toBe('rollout.rollback');
    expect(rollback.headers['webhook-id']).toBe(verified.data.decisionId);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(receiver.requests.filter((r) => r.path === '/rollback')).toHaveLength(1);
  });
});
