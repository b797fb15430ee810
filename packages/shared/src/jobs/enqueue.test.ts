import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startRedis, type TestRedis } from '../testing/index.ts';
import { enqueueDeliver, enqueueEvaluate, scheduleCheckpoint } from './enqueue.ts';
import { closeQueues, createQueues, defaultQueuePrefix, type Queues } from './queues.ts';

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

describe('enqueueEvaluate', () => {
  it('keeps one waiting evaluation per rollout however many ingests ask, and the first enqueuedAt', async () => {
    for (let i = 0; i < 20; i++) await enqueueEvaluate(queues.evaluate, 'burst', 'data', 1000 + i);
    await enqueueEvaluate(queues.evaluate, 'other', 'tick', 5);
    const waiting = await queues.evaluate.getWaiting();
    const burst = waiting.filter((job) => job.data.rollout === 'burst');
    expect(burst).toHaveLength(1);
    expect(burst[0]?.data.enqueuedAt).toBe(1000);
    expect(waiting.filter((job) => job.data.rollout === 'other')).toHaveLength(1);
  });

  it('leaves exactly one evaluation queued behind a running one, so data arriving mid-evaluation is seen', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const seen: number[] = [];
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const worker = new Worker(
      'evaluate',
      async (job) => {
        if (job.data.rollout !== 'busy') return;
        seen.push(job.data.enqueuedAt);
        started();
        if (seen.length === 1) await gate;
      },
      { connection: { url: redis.url }, prefix: defaultQueuePrefix },
    );
    await enqueueEvaluate(queues.evaluate, 'busy', 'data', 1);
    await running;
    for (let i = 0; i < 5; i++) await enqueueEvaluate(queues.evaluate, 'busy', 'data', 10 + i);
    release();
    await vi.waitFor(() => expect(seen).toHaveLength(2), { timeout: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await worker.close();
    expect(seen[0]).toBe(1);
    expect(seen).toHaveLength(2);
  });
});

describe('scheduleCheckpoint', () => {
  it('delays to the bake end and is idempotent per wave epoch and attempt', async () => {
    const payload = { rollout: 'cp', waveIndex: 1, attempt: 0, dueAt: 60_000, waveEpoch: 7 };
    await scheduleCheckpoint(queues.checkpoint, payload, 0);
    await scheduleCheckpoint(queues.checkpoint, payload, 0);
    await scheduleCheckpoint(queues.checkpoint, { ...payload, attempt: 1, dueAt: 90_000 }, 0);
    const delayed = await queues.checkpoint.getDelayed();
    expect(delayed.map((job) => job.id).sort()).toEqual(['cp.cp.7.0', 'cp.cp.7.1']);
    expect(delayed.find((job) => job.id === 'cp.cp.7.0')?.opts.delay).toBe(60_000);
  });
});

describe('enqueueDeliver', () => {
  it('keeps one job per delivery id', async () => {
    await enqueueDeliver(queues.deliver, { deliveryId: 'dec-1:rollback:0', rollout: 'a' });
    await enqueueDeliver(queues.deliver, { deliveryId: 'dec-1:rollback:0', rollout: 'a' });
    expect(await queues.deliver.getWaitingCount()).toBe(1);
  });
});
