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
    const waiting = await queues.evaluate.getJobs(['prioritized', 'waiting']);
    const burst = waiting.filter((job) => job.data.rollout === 'burst');
    expect(burst).toHaveLength(1);
    expect(burst[0]?.data.enqueuedAt).toBe(1000);
    expect(waiting.filter((job) => job.data.rollout === 'other')).toHaveLength(1);
  });

  it('takes fresh data before the ticks queued ahead of it', async () => {
    await queues.evaluate.drain();
    for (let i = 0; i < 30; i++) await enqueueEvaluate(queues.evaluate, `ticked-${i}`, 'tick', i);
    await enqueueEvaluate(queues.evaluate, 'breaching', 'data', 99);
    const order: string[] = [];
    const worker = new Worker(
      'evaluate',
      async (job) => {
        order.push(job.data.rollout);
      },
      { connection: { url: redis.url }, prefix: defaultQueuePrefix, concurrency: 1 },
    );
    await vi.waitFor(() => expect(order).toHaveLength(31), { timeout: 5000 });
    await worker.close();
    expect(order[0]).toBe('breaching');
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
  it('delays to the bake end and is idempotent per schedule id', async () => {
    const payload = { rollout: 'cp', event: 'bake-elapsed', wave: 1, dueAt: 60_000 } as const;
    await scheduleCheckpoint(queues.checkpoint, 'cp:v1:wave-1:bake-elapsed:60000', payload, 0);
    await scheduleCheckpoint(queues.checkpoint, 'cp:v1:wave-1:bake-elapsed:60000', payload, 0);
    await scheduleCheckpoint(
      queues.checkpoint,
      'cp:v1:wave-1:bake-elapsed:90000',
      { ...payload, dueAt: 90_000 },
      0,
    );
    const delayed = await queues.checkpoint.getDelayed();
    expect(delayed.map((job) => job.id).sort()).toEqual([
      'cp.cp_v1_wave-1_bake-elapsed_60000',
      'cp.cp_v1_wave-1_bake-elapsed_90000',
    ]);
    expect(delayed.find((job) => job.id === 'cp.cp_v1_wave-1_bake-elapsed_60000')?.opts.delay).toBe(60_000);
  });
});

describe('enqueueDeliver', () => {
  it('keeps one job per delivery id', async () => {
    await enqueueDeliver(queues.deliver, { deliveryId: 'dec-1:rollback:0', rollout: 'a' });
    await enqueueDeliver(queues.deliver, { deliveryId: 'dec-1:rollback:0', rollout: 'a' });
    expect(await queues.deliver.getWaitingCount()).toBe(1);
  });
});
