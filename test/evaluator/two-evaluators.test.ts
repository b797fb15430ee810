import { fileURLToPath } from 'node:url';
import { closeQueues, createQueues, enqueueEvaluate, type Queues } from '@rollout-guard/shared/jobs';
import { createRolloutStore, operate, type RolloutStore, testSpec } from '@rollout-guard/shared/store';
import {
  freePort,
  jsonLine,
  type SpawnedProcess,
  spawnTs,
  startRedis,
  type TestRedis,
} from '@rollout-guard/shared/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWaveCounts } from '../../services/evaluator/src/evaluator-test-kit.ts';
import { startWebhookCounter, type WebhookCounter } from './webhook-counter.ts';

const main = fileURLToPath(new URL('../../services/evaluator/src/main.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const ROLLOUTS = 200;

let server: TestRedis;
let redis: Redis;
let store: RolloutStore;
let queues: Queues;
let counter: WebhookCounter;
const evaluators: SpawnedProcess[] = [];

async function spawnEvaluator(): Promise<SpawnedProcess> {
  const { REDIS_URL: _ignored, ...inherited } = process.env;
  const evaluator = spawnTs({
    args: [main],
    cwd: root,
    env: {
      ...inherited,
      REDIS_URL: server.url,
      HEALTH_PORT: String(await freePort()),
      LOG_LEVEL: 'info',
      TICK_MS: '500',
      EVALUATOR_CONCURRENCY: '16',
    },
  });
  evaluators.push(evaluator);
  await evaluator.waitForLine((line) => jsonLine(line)?.msg === 'evaluator health server listening', 20_000);
  return evaluator;
}

beforeAll(async () => {
  server = await startRedis({ appendonly: false });
  redis = new Redis(server.url);
  store = createRolloutStore(redis);
  queues = createQueues({ connection: redis });
  counter = await startWebhookCounter();
});

afterAll(async () => {
  await Promise.all(evaluators.map((evaluator) => evaluator.kill()));
  await counter.close();
  await closeQueues(queues);
  redis.disconnect();
  await server.stop();
});

const names = Array.from({ length: ROLLOUTS }, (_, i) => `svc-${String(i).padStart(3, '0')}`);

describe('two evaluator processes on one Redis', () => {
  it(`deliver each of ${ROLLOUTS} rollbacks (and the advances before them) exactly once`, async () => {
    const [a, b] = await Promise.all([spawnEvaluator(), spawnEvaluator()]);
    for (const name of names) {
      await store.putSpec({
        spec: testSpec(name, { receiver: counter.receiver.url }),
        source: '',
        contentType: 'application/json',
        actor: 'ana',
      });
      await operate(store, name, 'start', 'ana');
    }
    // Every rollout breaches at once; both evaluators are told, as the collector would tell them.
    await Promise.all(
      names.map(async (name) => {
        await addWaveCounts(redis, name, 1, { treatment: { errors_total: 500, requests_total: 5_000 } });
        await enqueueEvaluate(queues.evaluate, name, 'data');
      }),
    );

    await expect
      .poll(() => counter.countsByPath('/rollback').size, { timeout: 60_000, interval: 250 })
      .toBe(ROLLOUTS);
    await expect.poll(() => counter.countsByPath('/advance').size, { timeout: 30_000 }).toBe(ROLLOUTS);
    // Ticks and sweeps keep running on both; nothing more may arrive.
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    expect(counter.duplicates()).toEqual([]);
    expect([...counter.countsByPath('/rollback').values()].every((n) => n === 1)).toBe(true);
    expect(counter.countsByPath('/rollback').size).toBe(ROLLOUTS);
    expect(counter.countsByPath('/advance').size).toBe(ROLLOUTS);
    const decisions = await Promise.all(names.map((name) => store.listDecisions(name)));
    expect(decisions.flat().filter((d) => d.kind === 'rollback')).toHaveLength(ROLLOUTS);

    // Both processes took part: each logged decisions it applied.
    const decided = (p: SpawnedProcess) =>
      p.lines.filter((line) => jsonLine(line)?.decision !== undefined).length;
    expect(decided(a!)).toBeGreaterThan(0);
    expect(decided(b!)).toBeGreaterThan(0);
    expect(decided(a!) + decided(b!)).toBe(ROLLOUTS);
  }, 120_000);
});
