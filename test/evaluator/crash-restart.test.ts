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
const ROLLOUTS = 50; // 50 advances + 50 rollbacks = 100 decisions
const KILLS = 4;

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
    },
  });
  evaluators.push(evaluator);
  await evaluator.waitForLine((line) => jsonLine(line)?.msg === 'evaluator health server listening', 20_000);
  return evaluator;
}

beforeAll(async () => {
  server = await startRedis();
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

const names = Array.from({ length: ROLLOUTS }, (_, i) => `crash-${String(i).padStart(2, '0')}`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('an evaluator killed with kill -9 during 100 decisions, then restarted', () => {
  it('delivers every decision; a delivery repeats only when a kill cut its attempt short', async () => {
    for (const name of names) {
      await store.putSpec({
        spec: testSpec(name, { receiver: counter.receiver.url }),
        source: '',
        contentType: 'application/json',
        actor: 'ana',
      });
    }
    let evaluator = await spawnEvaluator();
    const kills: number[] = [];
    const deliveredAtKills: number[] = [];
    // Decisions keep coming while the evaluator is killed at random moments: starts, then breaches.
    const feeding = (async () => {
      for (const name of names) {
        await operate(store, name, 'start', 'ana');
        await addWaveCounts(redis, name, 1, { treatment: { errors_total: 500, requests_total: 5_000 } });
        await enqueueEvaluate(queues.evaluate, name, 'data');
        await pause(20);
      }
    })();
    for (let i = 0; i < KILLS; i++) {
      const delay = 200 + Math.floor(Math.random() * 900);
      kills.push(delay);
      await pause(delay);
      deliveredAtKills.push(counter.receiver.requests.length);
      evaluator.child.kill('SIGKILL');
      await evaluator.exited;
      evaluator = await spawnEvaluator();
    }
    await feeding;

    await expect
      .poll(() => counter.countsByPath('/rollback').size + counter.countsByPath('/advance').size, {
        timeout: 90_000,
        interval: 500,
      })
      .toBe(2 * ROLLOUTS);
    await pause(2_000);

    // The kills landed in the middle of the work, not after it.
    expect(Math.min(...deliveredAtKills)).toBeLessThan(2 * ROLLOUTS);
    const duplicates = counter.duplicates();
    // A delivery is repeated only if a kill landed between the receiver answering and the delivery log
    // recording it; the repeat carries the same webhook-id, so a receiver that deduplicates acts once.
    expect(
      duplicates.length,
      `kills after ${kills.join(', ')} ms; duplicates ${JSON.stringify(duplicates)}`,
    ).toBeLessThanOrEqual(KILLS);
    expect(counter.countsByPath('/rollback').size).toBe(ROLLOUTS);
    expect(counter.countsByPath('/advance').size).toBe(ROLLOUTS);
    for (const name of names) {
      expect((await store.getState(name))?.state.phase).toBe('rolled-back');
      expect(await store.listOutbox(name)).toEqual([]);
    }
  }, 180_000);
});
