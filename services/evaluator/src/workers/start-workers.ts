import { defaultQueuePrefix, type JobName, jobNames } from '@rollout-guard/shared/jobs';
import type { ConnectionOptions, Queue, Worker } from 'bullmq';
import { runBacktestJob } from '../backtest/run-job.ts';
import { type Handler, startCatalogWorker } from './catalog-worker.ts';
import { fireTimer } from './checkpoint.ts';
import type { WorkerContext } from './context.ts';
import { deliver } from './deliver.ts';
import { evaluateRollout } from './evaluate.ts';
import { pollPromql } from './poll-promql.ts';
import { type Schedule, type SchedulerWatch, watchSchedulers } from './revive-schedulers.ts';
import { sweepOutbox } from './sweep-outbox.ts';
import { tick } from './tick.ts';
import { type WatchedWorker, type WorkerWatch, watchWorkers } from './worker-watchdog.ts';

export interface EvaluatorWorkersOptions {
  /** BullMQ workers need their own connections (`maxRetriesPerRequest: null`); given as options or a client. */
  connection: ConnectionOptions;
  prefix?: string;
  evaluateConcurrency?: number;
  deliverConcurrency?: number;
  tickEveryMs?: number;
  sweepEveryMs?: number;
  /**
   * How often this evaluator checks that every job scheduler still has a next run and that its workers
   * still take jobs (WATCHDOG_INTERVAL_MS, default 5 s).
   */
  watchdogIntervalMs?: number;
  /**
   * A job waiting this long while this evaluator had room for it means its worker is stuck
   * (WATCHDOG_STUCK_AFTER_MS, default 15 s).
   */
  watchdogStuckAfterMs?: number;
}

export interface EvaluatorWorkers {
  /** The workers now (a stuck one is replaced; see worker-watchdog.ts). */
  readonly workers: readonly Worker[];
  /** Replaces a worker that stopped taking jobs. */
  readonly workerWatch: WorkerWatch;
  /** Keeps the tick, the sweep and the PromQL polls scheduled through a failover (see revive-schedulers.ts). */
  readonly schedulers: SchedulerWatch;
  /**
   * Stops taking jobs and lets running ones finish for up to `timeoutMs`; what is still running then is
   * released (its lock lapses and another evaluator, or this one after a restart, takes it again).
   */
  close(timeoutMs?: number): Promise<void>;
}

export async function startEvaluatorWorkers(
  ctx: WorkerContext,
  options: EvaluatorWorkersOptions,
): Promise<EvaluatorWorkers> {
  const base = {
    connection: options.connection,
    prefix: options.prefix ?? defaultQueuePrefix,
    metrics: ctx.metrics,
    log: ctx.log,
  };
  const watch = <N extends JobName>(name: N, concurrency: number, handler: Handler<N>): WatchedWorker => {
    const running = { count: 0 };
    return {
      queue: ctx.queues[name] as Queue,
      concurrency,
      running,
      start: () => startCatalogWorker(name, handler, { ...base, concurrency, running }),
    };
  };
  const workerWatch = watchWorkers({
    watched: [
      watch('evaluate', options.evaluateConcurrency ?? 16, (payload) => evaluateRollout(ctx, payload)),
      watch('checkpoint', 4, (payload) => fireTimer(ctx, payload)),
      watch('deliver', options.deliverConcurrency ?? 32, (payload, job, token) =>
        deliver(ctx, payload, job, token),
      ),
      watch('poll-promql', 8, (payload) => pollPromql(ctx, payload)),
      // Backtests replay hours of data: one at a time per evaluator, off the evaluation path.
      watch('backtest', 1, (payload, job) => runBacktestJob(ctx, payload, job)),
      watch('tick', 1, async () => void (await tick(ctx))),
      watch('sweep-outbox', 1, async () => void (await sweepOutbox(ctx))),
    ],
    stuckAfterMs: options.watchdogStuckAfterMs ?? 15_000,
    everyMs: options.watchdogIntervalMs ?? 5_000,
    log: ctx.log,
    now: ctx.now,
  });
  // Job schedulers are upserted by every evaluator; BullMQ keeps one per id, so N evaluators tick once.
  const schedules: Schedule[] = [
    { queue: ctx.queues.tick, id: 'tick', every: options.tickEveryMs ?? 2_000 },
    { queue: ctx.queues['sweep-outbox'], id: 'sweep-outbox', every: options.sweepEveryMs ?? 10_000 },
  ];
  for (const { queue, id, every } of schedules) {
    await queue.upsertJobScheduler(id, { every }, { name: id, data: {} });
  }
  const schedulerWatch = watchSchedulers({
    schedules,
    queues: [ctx.queues['poll-promql']],
    everyMs: options.watchdogIntervalMs ?? 5_000,
    log: ctx.log,
  });
  ctx.metrics.addQueueDepthSource(async () => {
    const rows: Array<{ queue: string; state: string; count: number }> = [];
    for (const name of jobNames as JobName[]) {
      const counts = await ctx.queues[name].getJobCounts(
        'waiting',
        'delayed',
        'active',
        'failed',
        'prioritized',
      );
      for (const [state, count] of Object.entries(counts)) rows.push({ queue: name, state, count });
    }
    return rows;
  });

  return {
    get workers() {
      return workerWatch.workers;
    },
    workerWatch,
    schedulers: schedulerWatch,
    async close(timeoutMs = 3_000) {
      schedulerWatch.stop();
      workerWatch.stop();
      const workers = workerWatch.workers;
      // Pausing stops taking jobs and waits for the running ones; close(true) cannot upgrade a graceful
      // close already under way (BullMQ returns the pending one), so the grace period is spent in pause.
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        Promise.all(workers.map((worker) => worker.pause())).then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      // Jobs still running are released: their locks lapse and another evaluator (or this one after a
      // restart) takes them again.
      await Promise.all(workers.map((worker) => worker.close(!finished)));
    },
  };
}
