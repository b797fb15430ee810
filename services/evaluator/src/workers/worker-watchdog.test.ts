import { defaultQueuePrefix, enqueueDeliver } from '@rollout-guard/shared/jobs';
import { Queue, Worker } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { loadEnv, watchdogTimings } from '../env.ts';
import { silentLog, useEvaluatorTestBed } from '../evaluator-test-kit.ts';
import { watchWorkers } from './worker-watchdog.ts';

const bed = useEvaluatorTestBed();

const HOUR = 3_600_000;
// The settings as an operator gives them, a stuck time of a minute passed on a clock the test moves;
// checks only when the test asks (the timer's interval is an hour).
const env = loadEnv({ WATCHDOG_INTERVAL_MS: String(HOUR), WATCHDOG_STUCK_AFTER_MS: '60000' });
const stuckAfterMs = env.WATCHDOG_STUCK_AFTER_MS;

describe('a worker that stops taking jobs', () => {
  it('is replaced once a job has waited past the limit while it had room, and the job then runs', async () => {
    let clock = Date.now();
    const evaluator = await bed.startHandDrivenEvaluator({
      ...watchdogTimings(env),
      now: () => clock,
    });
    const deliver = evaluator.ctx.queues.deliver;
    const stuck = evaluator.workers.workers.find((worker) => worker.name === 'deliver')!;
    // As a worker whose blocking connection wedged in a failover: it takes nothing any more.
    await stuck.close();
    expect(await evaluator.workers.workerWatch.check()).toEqual([]);
    // The delivery is not in the delivery log, so the job fails for good once a worker takes it.
    const job = await enqueueDeliver(deliver, { deliveryId: 'dl.lost', rollout: 'checkout' });

    // The first check notes the waiting job; later ones find the same one still waiting.
    expect(await evaluator.workers.workerWatch.check()).toEqual([]);
    clock += stuckAfterMs - 1;
    expect(await evaluator.workers.workerWatch.check()).toEqual([]);
    expect(await job.getState()).toBe('waiting');
    clock += 1;
    expect(await evaluator.workers.workerWatch.check()).toEqual(['deliver']);

    const fresh = evaluator.workers.workers.find((worker) => worker.name === 'deliver')!;
    expect(fresh).not.toBe(stuck);
    await expect.poll(() => job.getState(), { timeout: 10_000 }).toBe('failed');
    expect((await deliver.getJob(job.id!))?.failedReason).toContain('not in the delivery log');
    expect(await evaluator.workers.workerWatch.check()).toEqual([]);
  });

  it('that is busy is left alone, however long jobs wait behind it', async () => {
    const evaluator = await bed.startHandDrivenEvaluator({
      ...watchdogTimings(env),
    });
    // A queue of its own, so no evaluator worker takes its job.
    const queue = new Queue('watched', { connection: evaluator.ctx.redis, prefix: defaultQueuePrefix });
    const running = { count: 1 };
    let started = 0;
    let clock = Date.now();
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
      stuckAfterMs,
      everyMs: env.WATCHDOG_INTERVAL_MS,
      log: silentLog,
      now: () => clock,
    });
    await queue.add('watched', {});
    expect(await watch.check()).toEqual([]);
    clock += 10 * stuckAfterMs;
    expect(await watch.check()).toEqual([]);
    // Room again, and the same job still waiting: once it has waited the stuck time with room, it is stuck.
    running.count = 0;
    expect(await watch.check()).toEqual([]);
    clock += stuckAfterMs;
    expect(await watch.check()).toEqual(['watched']);
    expect(started).toBe(2);
    watch.stop();
    await Promise.all(watch.workers.map((worker) => worker.close()));
    await queue.close();
  });
});
