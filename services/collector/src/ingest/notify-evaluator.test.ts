import { closeQueues, createQueues, defaultQueuePrefix, type Queues } from '@rollout-guard/shared/jobs';
import { createLogger } from '@rollout-guard/shared/observability';
import { createRedis } from '@rollout-guard/shared/redis';
import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { Worker } from 'bullmq';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
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
beforeEach(async () => {
  await queues.evaluate.obliterate({ force: true });
});

const silent = createLogger({ service: 'test', level: 'silent' });

/** The enqueues that reached Redis (the queue is emptied before each test): each adds a job or is deduplicated, and says so in the queue's events. */
async function asks(): Promise<number> {
  const client = createRedis(redis.url, { role: 'worker' });
  const events = await client.xrange(queues.evaluate.keys.events as string, '-', '+');
  client.disconnect();
  return events.filter(([, fields]) => {
    const event = fields[fields.indexOf('event') + 1];
    return event === 'added' || event === 'deduplicated';
  }).length;
}

describe('evaluateOnStored', () => {
  it('enqueues one data evaluation per touched rollout, however many batches touch it', async () => {
    const notify = evaluateOnStored(queues.evaluate, silent);
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
    // The other calls end too (as duplicates), before the queue may close.
    await notify.settled();
  });

  it('folds the batches stored while an enqueue is under way into one more enqueue', async () => {
    const notify = evaluateOnStored(queues.evaluate, silent);
    for (let i = 0; i < 10; i++) notify(['copilot'], 1000 + i);
    await notify.settled();
    // The first enqueue, then one for the nine stored while it was under way: not ten.
    expect(await asks()).toBe(2);
    for (let i = 0; i < 3; i++) {
      notify(['copilot'], 2000 + i);
      await notify.settled();
    }
    // One at a time, each is its own enqueue.
    expect(await asks()).toBe(5);
  });

  it("holds a rollout's next enqueue until the spacing since the one before has passed", async () => {
    const notify = evaluateOnStored(queues.evaluate, silent, 500);
    notify(['copilot'], 1000);
    await expect.poll(asks).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The first enqueue has ended, but its slot is held for 500 ms from its start: these wait and fold.
    notify(['copilot'], 2000);
    notify(['copilot'], 2001);
    // Another rollout has its own slot: its enqueue goes at once, and copilot's, asked first, is not sent.
    notify(['search'], 2002);
    await expect
      .poll(async () =>
        (await queues.evaluate.getJobs(['prioritized', 'waiting'])).map((job) => job.data.rollout),
      )
      .toContain('search');
    expect(await asks()).toBe(2);
    await notify.settled();
    expect(await asks()).toBe(3);
    const data = (await queues.evaluate.getJobs(['prioritized', 'waiting'])).map((job) => job.data);
    expect(data).toContainEqual({ rollout: 'copilot', reason: 'data', enqueuedAt: 1000 });
  });

  it('stamps the folded enqueue with the earliest time stored, and it queues behind a running evaluation', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const seen: number[] = [];
    const worker = new Worker(
      'evaluate',
      async (job) => {
        seen.push(job.data.enqueuedAt);
        started();
        if (seen.length === 1) await gate;
      },
      { connection: { url: redis.url }, prefix: defaultQueuePrefix },
    );
    try {
      // No spacing: 2000 is enqueued as soon as the enqueue of 1000 has ended, as a sparse sender's would be.
      const notify = evaluateOnStored(queues.evaluate, silent, 0);
      notify(['busy'], 1000);
      await running;
      // Stored while the evaluation of 1000 runs: 2000 is enqueued, 2001 and 2005 fold into one more.
      notify(['busy'], 2000);
      notify(['busy'], 2001);
      notify(['busy'], 2005);
      await notify.settled();
      release();
      // Behind a running evaluation one more is kept, the last asked for: the folded one, from 2001,
      // the earliest data it stands for.
      await vi.waitFor(() => expect(seen).toEqual([1000, 2001]), { timeout: 5000 });
    } finally {
      release();
      await worker.close();
    }
  });
});
