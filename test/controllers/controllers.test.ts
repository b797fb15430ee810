import { testSpec } from '@rollout-guard/shared/store';
import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiTestApp,
  type Loose,
  startApiApp,
  TOKENS,
} from '../../services/collector/src/api/api-test-kit.ts';
import { startReceiver, type TestReceiver } from '../../services/evaluator/src/delivery/test-receiver.ts';
import type { EvaluatorCore } from '../../services/evaluator/src/evaluator.ts';
import {
  addWaveCounts,
  addWaveValues,
  notifyData,
  startTestEvaluator,
} from '../../services/evaluator/src/evaluator-test-kit.ts';

// A Flagger canary and an Argo analysis driven by the evaluator's real decisions: the collector's API
// app and an in-process evaluator share one Redis; the data of each wave is written as the ingest
// script would; bakes last two seconds.

let redis: TestRedis;
let api: ApiTestApp;
let evaluator: EvaluatorCore;
let receiver: TestReceiver;

beforeAll(async () => {
  redis = await startRedis({ appendonly: false });
  api = await startApiApp(redis.url);
  receiver = await startReceiver();
  // The webhooks go to a loopback receiver, which the egress policy refuses unless allowed.
  evaluator = await startTestEvaluator(redis.url, { env: { EGRESS_ALLOW_LOOPBACK: 'true' } });
});
afterAll(async () => {
  await evaluator.close(500);
  await receiver.close();
  await api.close();
  await redis.stop();
});

async function flagger(hook: string) {
  const res = await api.call('POST', `/api/v1/flagger/${hook}`, {
    token: null,
    type: 'application/json',
    body: JSON.stringify({
      name: 'shop',
      namespace: 'test',
      phase: 'Progressing',
      checksum: 'rev-1',
      metadata: { token: TOKENS.operator },
    }),
  });
  return { status: res.status, body: (await res.json()) as Loose };
}

const verdict = async (query = '') =>
  (await (
    await api.call('GET', `/api/v1/rollouts/shop/verdict${query}`, { token: 'reader' })
  ).json()) as Loose;

/** A healthy wave's data: fast enough for the criterion, no errors for the guardrail. */
async function healthyWave(wave: number) {
  await addWaveValues(api.redis, 'shop', wave, 'treatment', 'latency_seconds', Array(200).fill(1));
  await addWaveCounts(api.redis, 'shop', wave, { treatment: { errors_total: 0, requests_total: 5_000 } });
  await notifyData(evaluator, 'shop');
}

describe('Argo Rollouts and Flagger against the running evaluator', () => {
  it('moves with the evaluator’s verdicts and rolls back with it', async () => {
    await api.deps.store.putSpec({
      spec: testSpec('shop', { receiver: receiver.url, bake: '2s' }),
      source: '',
      contentType: 'application/json',
      actor: 'ana',
    });
    expect((await flagger('confirm-rollout')).status).toBe(409);
    expect((await api.call('POST', '/api/v1/rollouts/shop/start', { token: 'operator' })).status).toBe(200);
    expect((await flagger('confirm-rollout')).status).toBe(200);
    expect((await flagger('confirm-traffic-increase')).body).toMatchObject({ open: true, steps: 1 });

    await healthyWave(1);
    expect((await verdict()).verdict).toBe('pending');
    await expect.poll(async () => (await verdict()).verdict, { timeout: 15_000 }).toBe('go');

    const step = await flagger('confirm-traffic-increase');
    expect(step.body).toMatchObject({ open: true, steps: 2, currentWave: 2, phase: 'wave' });
    await expect
      .poll(
        () =>
          receiver.requests
            .filter((r) => r.path === '/advance')
            .map((r) => JSON.parse(r.body).data.wave.percent),
        {
          timeout: 10_000,
        },
      )
      .toEqual([25, 50]);
    expect((await verdict('?wave=1')).verdict).toBe('go');
    expect((await flagger('confirm-promotion')).status).toBe(409);

    await addWaveCounts(api.redis, 'shop', 2, { treatment: { errors_total: 400, requests_total: 5_000 } });
    await notifyData(evaluator, 'shop');
    await expect.poll(async () => (await flagger('rollback')).status, { timeout: 10_000 }).toBe(200);
    expect(await verdict()).toMatchObject({ verdict: 'rollback', phase: 'rolled-back', currentWave: 2 });
    expect((await flagger('confirm-promotion')).status).toBe(409);
    await expect.poll(() => receiver.requests.filter((r) => r.path === '/rollback').length).toBe(1);
  });
});
