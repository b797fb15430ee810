import { defaultQueuePrefix, enqueueDeliver } from '@rollout-guard/shared/jobs';
import { Queue, Worker } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { silentLog, useEvaluatorTestBed } from '../evaluator-test-kit.ts';
import { watchWorkers } from './worker-watchdog.ts';

const bed = useEvaluatorTestBed();

const HOUR = 3_600_000;

describe('a worker that stops taking jobs', () => {
  it('is replaced once a job has waited past the limit while it had room, and the job then runs', async () => {
    const evaluator = await bed.startEvaluator({
      tickEveryMs: HOUR,
      sweepEveryMs: HOUR,
      watchEveryMs: HOUR,
      workerStuckAfterMs: 0,
    });
    const deliver = evaluator.ctx.queues.deliver;
    const stuck = evaluator.workers.workers.find((worker) => worker.name === 'deliver')!;
    // As a worker whose blocking connection wedged in a failover: it takes nothing any more.
    await stuck.close();
    expect(await evaluator.workers.workerWatch.check()).toEqual([]);
    // The delivery is not in the delivery log, so the job fails for good once a worker takes it.
    const job = await enqueueDeliver(deliver, { deliveryId: 'dl.lost', rollout: 'checkout' });

    // The first check notes the waiting job; the next finds the same one still waiting.
    expect(await evaluator.workers.workerWatch.check()).toEqual([]);
    expect(await job.getState()).toBe('waiting');
    expect(await evaluator.workers.workerWatch.check()).toEqual(['deliver']);

    const fresh = evaluator.workers.workers.find((worker) => worker.name === 'deliver')!;
    expect(fresh).not.toBe(stuck);
    await expect.poll(() => job.getState(), { timeout: 10_000 }).toBe('failed');
    expect((await deliver.getJob(job.id!))?.failedReason).toContain('not in the delivery log');
    expect(await evaluator.workers.workerWatch.check()).toEqual([]);
  });

  it('that is busy is left alone, however long jobs wait behind it', async () => {
    const evaluator = await bed.startEvaluator({ tickEveryMs: HOUR, sweepEveryMs: HOUR, watchEveryMs: HOUR });
    // A queue of its own, so no evaluator worker takes its job.
    const queue = new Queue('watched', { connection: evaluator.ctx.redis, prefix: defaultQueuePrefix });
    const running = { count: 1 };
    let started = 0;
    const watch = watchWorkers({
      // Its one slot taken, as by a long delivery: the worker it starts takes nothing more.
      watched: [
        {
          queue,
          concurrency: 1,
          running,
          start: () => {
            started++;
            return new Worker(queue.name, async () => {}, {
              connection: evaluator.ctx.redis,
              prefix: defaultQueuePrefix,
              autorun: false,
            });
          },
        },
      ],
      stuckAfterMs: 0,
      everyMs: HOUR,
      log: silentLog,
    });
    await queue.add('watched', {});
    expect(await watch.check()).toEqual([]);
    expect(await watch.check()).toEqual([]);
    // Room again, and the same job still waiting: now it is stuck.
    running.count = 0;
    expect(await watch.check()).toEqual([]);
    expect(await watch.check()).toEqual(['watched']);
    expect(started).toBe(2);
    watch.stop();
    await Promise.all(watch.workers.map((worker) => worker.close()));
    await queue.close();
  });
});
