import { closeQueues, createQueues, type Queues } from '@rollout-guard/shared/jobs';
import { createLogger } from '@rollout-guard/shared/observability';
import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateOnStored } from './notify-evaluator.ts';

let redis: TestRedis;
let queues: Queues;
beforeAll(async () => {
  redis = await startRedis({ appendonly: false });
  queues = createQueues({ connection: { url: redis.url } });
});
afterAll(async () => {
  await closeQueues(queues);
  await redis.stop();
});

describe('evaluateOnStored', () => {
  it('enqueues one data evaluation per touched rollout, however many batches touch it', async () => {
    const notify = evaluateOnStored(queues.evaluate, createLogger({ service: 'test', level: 'silent' }));
    for (let i = 0; i < 10; i++) notify(['copilot', 'search'], 1000 + i);
    await expect
      .poll(async () =>
        (await queues.evaluate.getJobs(['prioritized', 'waiting']))
          .map((job) => job.data)
          .sort((a, b) => a.rollout.localeCompare(b.rollout)),
      )
      .toEqual([
        { rollout: 'copilot', reason: 'data', enqueuedAt: 1000 },
        { rollout: 'search', reason: 'data', enqueuedAt: 1000 },
      ]);
    // The other 18 calls end too (as duplicates), before the queue may close.
    await notify.settled();
  });
});
