import { enqueueEvaluate } from '@rollout-guard/shared/jobs';
import { createRolloutStore, operate, type RolloutStore, testSpec } from '@rollout-guard/shared/store';
import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type IngestApp, startIngestApp } from '../../services/collector/src/ingest/ingest-test-kit.ts';
import { startReceiver, type TestReceiver } from '../../services/evaluator/src/delivery/test-receiver.ts';
import type { EvaluatorCore } from '../../services/evaluator/src/evaluator.ts';
import { startTestEvaluator, TEST_SECRET } from '../../services/evaluator/src/evaluator-test-kit.ts';
import { otlpBatch } from './otlp-batch.ts';

// End to end inside one test process: a spec stored, data sent as OTLP/JSON through the collector's real
// ingest route, the evaluator's real workers on the same Redis, webhooks to a real HTTP receiver.

let server: TestRedis;
let redis: Redis;
let store: RolloutStore;
let receiver: TestReceiver;
let evaluator: EvaluatorCore;
let ingest: IngestApp;

beforeAll(async () => {
  server = await startRedis({ appendonly: false });
  redis = new Redis(server.url);
  store = createRolloutStore(redis);
});

afterEach(async () => {
  await ingest?.close();
  await evaluator?.close(500);
  await receiver?.close();
  await redis.flushall();
});

afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

async function send(body: object) {
  const response = await ingest.app.request('/v1/metrics', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

async function startStack(name: string, options: Parameters<typeof testSpec>[1]) {
  receiver = await startReceiver();
  evaluator = await startTestEvaluator(server.url);
  await store.putSpec({
    spec: testSpec(name, { receiver: receiver.url, ...options }),
    source: '',
    contentType: 'application/json',
    actor: 'ana',
  });
  expect(await operate(store, name, 'start', 'ana', 'release')).toMatchObject({ ok: true });
  // The collector reads `rg:active` (written by the store) and tells the evaluator about fresh data.
  ingest = await startIngestApp(server.url, [], {
    onStored: (rollouts, storedAt) => {
      for (const rollout of rollouts)
        void enqueueEvaluate(evaluator.ctx.queues.evaluate, rollout, 'data', storedAt);
    },
  });
  await expect
    .poll(
      () =>
        ingest.deps.activeRollouts.current()?.match('requests_total', {
          'feature_flag.result.variant': 'on',
        }).matches.length,
    )
    .toBe(1);
}

const verify = (request: { body: string; headers: Record<string, string> }) =>
  new Webhook(TEST_SECRET).verify(request.body, request.headers) as {
    type: string;
    data: {
      decisionId: string;
      verdict: string;
      wave: { index: number; percent: number };
      reasons: unknown[];
    };
  };

describe('end to end: collector ingest → evaluator → webhooks', () => {
  it('a breach yields exactly one signed rollout.rollback that verifies with standardwebhooks', async () => {
    await startStack('checkout', {});
    await send(otlpBatch({ on: { requests: 5_000, errors: 400 }, off: { requests: 5_000, errors: 20 } }));

    await expect
      .poll(() => receiver.requests.filter((r) => r.path === '/rollback').length, {
        timeout: 10_000,
      })
      .toBe(1);
    const rollback = receiver.requests.find((r) => r.path === '/rollback')!;
    const event = verify(rollback);
    expect(event).toMatchObject({
      type: 'rollout.rollback',
      data: { verdict: 'rollback', wave: { index: 1, percent: 25 } },
    });
    expect(rollback.headers['webhook-id']).toBe(event.data.decisionId);
    expect(event.data.reasons).toEqual([
      expect.objectContaining({ check: 'error-rate', value: 0.08, allowed: { max: 0.03 } }),
    ]);

    // More data and more evaluations afterwards change nothing: the rollout has ended.
    await send(otlpBatch({ on: { requests: 5_000, errors: 400 } }));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(receiver.requests.filter((r) => r.path === '/rollback')).toHaveLength(1);
    expect((await store.getState('checkout'))?.state.phase).toBe('rolled-back');
  });

  it('a wave whose bake ends with every criterion passing gets a go verdict, and with approval auto an advance', async () => {
    await startStack('checkout', { approval: 'auto', bake: '2s' });
    await send(
      otlpBatch({
        on: { requests: 5_000, errors: 10, latencyMean: 1.2 },
        off: { requests: 5_000, errors: 12, latencyMean: 1.1 },
      }),
    );

    await expect
      .poll(() => receiver.requests.filter((r) => r.path === '/verdict').length, {
        timeout: 15_000,
      })
      .toBeGreaterThanOrEqual(1);
    const verdict = verify(receiver.requests.find((r) => r.path === '/verdict')!);
    expect(verdict).toMatchObject({
      type: 'rollout.verdict',
      data: { verdict: 'go', wave: { index: 1, percent: 25 } },
    });

    await expect
      .poll(() => receiver.requests.filter((r) => r.path === '/advance').length, {
        timeout: 10_000,
      })
      .toBe(2);
    const advances = receiver.requests.filter((r) => r.path === '/advance').map(verify);
    expect(advances.map((a) => a.data.wave.percent)).toEqual([25, 50]);
    expect(new Set(advances.map((a) => a.data.decisionId)).size).toBe(2);
    expect((await store.getState('checkout'))?.state).toMatchObject({ phase: 'wave', wave: 2 });
    expect(receiver.requests.filter((r) => r.path === '/rollback')).toHaveLength(0);
  });
});
