import type { Queue } from 'bullmq';
import type { WorkerLog } from './context.ts';

/** A repeating job the evaluator needs, as it is upserted at start. */
export interface Schedule {
  readonly queue: Queue;
  readonly id: string;
  readonly every: number;
}

export interface SchedulerWatch {
  /** One pass now: the ids of the schedulers it had to revive (the timer runs the same). */
  check(): Promise<string[]>;
  stop(): void;
}

/**
 * BullMQ starts a job scheduler's next run from the worker that takes the current one, in a call of its
 * own. A Redis failover can lose that write (replication is asynchronous), and the call itself can fail
 * while the master changes (BullMQ then drops it: "Failed to add repeatable job for next iteration"). Either
 * way the schedule stops for good: no tick evaluates rollouts any more, no sweep empties outboxes, no PromQL
 * check is polled. So each evaluator looks at the schedulers on a timer of its own (not a scheduled job,
 * which could be lost the same way): a scheduler whose next run is neither delayed, waiting nor running is
 * upserted again, which schedules its next run; one of the evaluator's own schedules that is missing
 * altogether is created again. Upserting is idempotent, so evaluators doing it at once do no harm.
 */
export function watchSchedulers(options: {
  schedules: readonly Schedule[];
  /** Queues whose every scheduler is watched (PromQL polls, one per check). */
  queues: readonly Queue[];
  everyMs: number;
  log: Pick<WorkerLog, 'warn'>;
}): SchedulerWatch {
  const { schedules, log } = options;
  const queues = [...new Set([...schedules.map((schedule) => schedule.queue), ...options.queues])];

  async function check(): Promise<string[]> {
    const revived: string[] = [];
    for (const schedule of schedules) {
      if ((await schedule.queue.getJobScheduler(schedule.id)) !== undefined) continue;
      await schedule.queue.upsertJobScheduler(
        schedule.id,
        { every: schedule.every },
        { name: schedule.id, data: {} },
      );
      log.warn(
        { queue: schedule.queue.name, scheduler: schedule.id },
        `job scheduler "${schedule.id}" was missing from Redis (lost in a failover?); created again`,
      );
      revived.push(schedule.id);
    }
    for (const queue of queues) {
      for (const scheduler of await queue.getJobSchedulers(0, -1)) {
        if (scheduler.every === undefined || scheduler.every === null) continue;
        const next = scheduler.next === undefined ? 'unknown' : await nextRunState(queue, scheduler);
        if (next !== 'completed' && next !== 'failed' && next !== 'unknown') continue;
        await queue.upsertJobScheduler(
          scheduler.key,
          { every: Number(scheduler.every) },
          {
            name: scheduler.name,
            data: scheduler.template?.data ?? {},
            opts: scheduler.template?.opts ?? {},
          },
        );
        log.warn(
          { queue: queue.name, scheduler: scheduler.key, next: scheduler.next },
          `job scheduler "${scheduler.key}" had no next run (${next}; lost in a failover?); scheduled again`,
        );
        revived.push(scheduler.key);
      }
    }
    return revived;
  }

  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    check()
      .catch((error: unknown) => {
        // Redis away: the next pass tries again; the workers log the outage themselves.
        log.warn({ err: error }, `could not check the job schedulers: ${(error as Error).message}`);
      })
      .finally(() => {
        running = false;
      });
  }, options.everyMs);
  timer.unref();
  return {
    check,
    stop: () => clearInterval(timer),
  };
}

/** The state of the job a scheduler's `next` names (BullMQ ids it `repeat:<scheduler>:<next>`). */
function nextRunState(queue: Queue, scheduler: { key: string; next?: number | null }): Promise<string> {
  return queue.getJobState(`repeat:${scheduler.key}:${scheduler.next}`);
}
