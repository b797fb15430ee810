import type { Queue, Worker } from 'bullmq';
import type { WorkerLog } from './context.ts';

/** One queue's worker in this process, and how to start another like it. */
export interface WatchedWorker {
  readonly queue: Queue;
  readonly concurrency: number;
  /** Jobs this process is running from the queue now (the worker counts into it). */
  readonly running: { count: number };
  start(): Worker;
}

export interface WorkerWatch {
  /** The workers now, replacements included. */
  readonly workers: readonly Worker[];
  /** One pass now: the queues whose worker it replaced (the timer runs the same). */
  check(): Promise<string[]>;
  stop(): void;
}

/**
 * An idle BullMQ worker waits for jobs on a blocking connection of its own. On a Redis Cluster, when the
 * master it waits on dies, that connection can wedge for good while every other connection of the process
 * recovers (BullMQ issues 4138, 4585): jobs then wait in the queue, the worker still counts as online,
 * and nothing is logged. In the fault suite this left every rollback webhook of a failover waiting
 * forever in the deliver queue, with decisions made and nobody told.
 *
 * So each check looks at every queue: when the oldest job waiting in it is the same one as at a check at
 * least `stuckAfterMs` earlier, while this process had room to run it all along, this process's worker has
 * stopped taking jobs; it is replaced by a fresh one (new connections), and the old one is closed, letting
 * whatever it still runs finish. A worker that is merely busy is never replaced, and an evaluator whose
 * worker is healthy takes the job before it is that old, so only a stuck worker is.
 */
export function watchWorkers(options: {
  watched: readonly WatchedWorker[];
  stuckAfterMs: number;
  everyMs: number;
  log: Pick<WorkerLog, 'warn'>;
  now?: () => number;
}): WorkerWatch {
  const { log, stuckAfterMs } = options;
  const now = options.now ?? Date.now;
  const entries = options.watched.map((watched) => ({
    watched,
    worker: watched.start(),
    /** The oldest waiting job, when first seen so while this process had room for it. */
    waiting: null as { jobId: string; since: number } | null,
  }));

  async function check(): Promise<string[]> {
    const replaced: string[] = [];
    for (const entry of entries) {
      const { queue, concurrency, running } = entry.watched;
      if (running.count >= concurrency) {
        entry.waiting = null;
        continue;
      }
      const oldest = await oldestWaiting(queue);
      if (oldest === undefined || running.count >= concurrency) {
        entry.waiting = null;
        continue;
      }
      const at = now();
      if (entry.waiting?.jobId !== oldest) {
        entry.waiting = { jobId: oldest, since: at };
        continue;
      }
      const waitedMs = at - entry.waiting.since;
      if (waitedMs < stuckAfterMs) continue;
      const stuck = entry.worker;
      entry.worker = entry.watched.start();
      entry.waiting = null;
      log.warn(
        { queue: queue.name, job: oldest, waitedMs },
        `${queue.name} worker took no job for ${Math.round(stuckAfterMs / 1000)} s while job ${oldest} waited and it had room (its Redis connection wedged?); replaced by a new worker`,
      );
      stuck.close().catch((error: unknown) => {
        log.warn({ queue: queue.name, err: error }, `closing the replaced ${queue.name} worker failed`);
      });
      replaced.push(queue.name);
    }
    return replaced;
  }

  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    check()
      .catch((error: unknown) => {
        // Redis away: the next pass tries again; the workers log the outage themselves.
        log.warn({ err: error }, `could not check the workers: ${(error as Error).message}`);
      })
      .finally(() => {
        checking = false;
      });
  }, options.everyMs);
  timer.unref();

  return {
    get workers() {
      return entries.map((entry) => entry.worker);
    },
    check,
    stop: () => clearInterval(timer),
  };
}

/** The id of the job that has waited longest to be taken (prioritized ones first, as workers take them). */
async function oldestWaiting(queue: Queue): Promise<string | undefined> {
  for (const state of ['prioritized', 'waiting'] as const) {
    const [job] = await queue.getJobs([state], 0, 0, true);
    if (job?.id !== undefined) return job.id;
  }
  return undefined;
}
