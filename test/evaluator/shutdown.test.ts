import { fileURLToPath } from 'node:url';
import {
  createDeliveryLog,
  createRolloutStore,
  operate,
  type RolloutStore,
  testSpec,
} from '@rollout-guard/shared/store';
import {
  freePort,
  jsonLine,
  type SpawnedProcess,
  spawnTs,
  startRedis,
  type TestRedis,
} from '@rollout-guard/shared/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Handler,
  startReceiver,
  type TestReceiver,
} from '../../services/evaluator/src/delivery/test-receiver.ts';

const main = fileURLToPath(new URL('../../services/evaluator/src/main.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

let server: TestRedis;
let redis: Redis;
let store: RolloutStore;
let receiver: TestReceiver;
const evaluators: SpawnedProcess[] = [];

async function spawnEvaluator(env: Record<string, string> = {}) {
  const { REDIS_URL: _ignored, ...inherited } = process.env;
  const port = await freePort();
  const evaluator = spawnTs({
    args: [main],
    cwd: root,
    env: { ...inherited, REDIS_URL: server.url, HEALTH_PORT: String(port), TICK_MS: '300', ...env },
  });
  evaluators.push(evaluator);
  await evaluator.waitForLine((line) => jsonLine(line)?.msg === 'evaluator health server listening', 20_000);
  return { evaluator, port };
}

beforeAll(async () => {
  server = await startRedis({ appendonly: false });
  redis = new Redis(server.url);
  store = createRolloutStore(redis);
});

afterEach(async () => {
  await Promise.all(evaluators.splice(0).map((evaluator) => evaluator.kill()));
  await receiver?.close();
  await redis.flushall();
});

afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

async function startRollout(name: string, handler: Handler) {
  receiver = await startReceiver(handler);
  await store.putSpec({
    spec: testSpec(name, { receiver: receiver.url }),
    source: '',
    contentType: 'application/json',
    actor: 'ana',
  });
  const started = await operate(store, name, 'start', 'ana');
  if (!started.ok) throw new Error('not started');
  return `${started.decisions[0]!.id}.advance.0`;
}

describe('evaluator shutdown on SIGTERM', () => {
  it('stops taking jobs, finishes the delivery in flight, and exits 0', async () => {
    const { evaluator, port } = await spawnEvaluator();
    const deliveryId = await startRollout('graceful', (_req, res) => {
      setTimeout(() => res.end('ok'), 800);
    });
    await expect.poll(() => receiver.requests.length, { timeout: 10_000 }).toBe(1);

    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('rollout_guard_queue_jobs{queue="deliver",state="active"} 1');
    expect(metrics).toContain('rollout_guard_evaluations_total{reason="tick",result="applied"}');

    const stopping = Date.now();
    evaluator.child.kill('SIGTERM');
    expect(await evaluator.exited).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(5_000);
    expect((await createDeliveryLog(redis).get(deliveryId))?.status).toBe('delivered');
    expect(receiver.requests).toHaveLength(1);
  });

  it('releases a delivery that outlasts the grace period; the next evaluator completes it', async () => {
    const { evaluator } = await spawnEvaluator({ SHUTDOWN_TIMEOUT_MS: '1000', DELIVERY_TIMEOUT_MS: '30000' });
    let answer = false;
    const deliveryId = await startRollout('released', (_req, res) => {
      if (answer) res.end('ok'); // the first request is left hanging
    });
    await expect.poll(() => receiver.requests.length, { timeout: 10_000 }).toBe(1);

    evaluator.child.kill('SIGTERM');
    expect(await evaluator.exited, evaluator.lines.join('\n')).toBe(0);
    expect((await createDeliveryLog(redis).get(deliveryId))?.status).toBe('pending');

    answer = true;
    await spawnEvaluator();
    await expect
      .poll(async () => (await createDeliveryLog(redis).get(deliveryId))?.status, {
        timeout: 40_000,
        interval: 500,
      })
      .toBe('delivered');
    expect(receiver.requests).toHaveLength(2);
  }, 60_000);
});
