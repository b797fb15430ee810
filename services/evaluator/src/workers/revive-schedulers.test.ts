import type { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { loadEnv, watchdogTimings } from '../env.ts';
import { useEvaluatorTestBed } from '../evaluator-test-kit.ts';

const bed = useEvaluatorTestBed();

const HOUR = 3_600_000;

/** What a failover that lost the write scheduling a scheduler's next run leaves: no next job at all. */
async function loseNextRun(queue: Queue, id: string): Promise<void> {
  const scheduler = await queue.getJobScheduler(id);
  const jobId = `repeat:${id}:${scheduler?.next}`;
  await bed.redis.multi().zrem(queue.keys.delayed!, jobId).del(queue.toKey(jobId)).exec();
}

const ticksDone = async (queue: Queue) => (await queue.getJobCounts('completed')).completed ?? 0;
const pending = async (queue: Queue) =>
  Object.values(await queue.getJobCounts('delayed', 'waiting', 'active', 'prioritized')).reduce(
    (a, b) => a + b,
    0,
  );

describe('job schedulers through a failover', () => {
  it('a tick whose next run was lost stays lost in BullMQ, and the check schedules it again', async () => {
    // Checks only when the test asks.
    const timings = watchdogTimings(loadEnv({ WATCHDOG_INTERVAL_MS: String(HOUR) }));
    const evaluator = await bed.startEvaluator({ tickEveryMs: 200, ...timings });
    const tick = evaluator.ctx.queues.tick;
    await expect.poll(() => ticksDone(tick), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await evaluator.workers.schedulers.check()).toEqual([]);

    await loseNextRun(tick, 'tick');
    // Nothing in BullMQ schedules it again: no job is left that a worker could take.
    expect(await pending(tick)).toBe(0);
    const before = await ticksDone(tick);

    expect(await evaluator.workers.schedulers.check()).toEqual(['tick']);
    await expect.poll(() => ticksDone(tick), { timeout: 10_000 }).toBeGreaterThan(before);
    expect(await evaluator.workers.schedulers.check()).toEqual([]);
  });

  it('a scheduler lost altogether is created again, and the evaluator’s timer does it on its own', async () => {
    const evaluator = await bed.startEvaluator({
      tickEveryMs: 200,
      sweepEveryMs: 200,
      ...watchdogTimings(loadEnv({ WATCHDOG_INTERVAL_MS: '100' })),
    });
    const { tick } = evaluator.ctx.queues;
    const sweep = evaluator.ctx.queues['sweep-outbox'];
    await loseNextRun(tick, 'tick');
    await sweep.removeJobScheduler('sweep-outbox');
    expect(await sweep.getJobScheduler('sweep-outbox')).toBeUndefined();
    const [ticks, sweeps] = [await ticksDone(tick), await ticksDone(sweep)];

    await expect.poll(() => ticksDone(tick), { timeout: 10_000 }).toBeGreaterThan(ticks);
    await expect.poll(() => ticksDone(sweep), { timeout: 10_000 }).toBeGreaterThan(sweeps);
    // A sweep already queued when the scheduler went may be the one counted above, before the
    // watchdog's next round has created the scheduler again: wait for that round.
    await expect
      .poll(() => sweep.getJobScheduler('sweep-outbox'), { timeout: 10_000 })
      .toMatchObject({ every: 200 });
  });
});
