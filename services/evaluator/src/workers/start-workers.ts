import { defaultQueuePrefix, type JobName, jobNames } from '@rollout-guard/shared/jobs';
import type { ConnectionOptions, Worker } from 'bullmq';
import { runBacktestJob } from '../backtest/run-job.ts';
import { startCatalogWorker } from './catalog-worker.ts';
import { fireTimer } from './checkpoint.ts';
import type { WorkerContext } from './context.ts';
import { deliver } from './deliver.ts';
import { evaluateRollout } from './evaluate.ts';
import { pollPromql } from './poll-promql.ts';
import { sweepOutbox } from './sweep-outbox.ts';
import { tick } from './tick.ts';

export interface EvaluatorWorkersOptions {
  /** BullMQ workers need their own connections (`maxRetriesPerRequest: null`); given as options or a client. */
  connection: ConnectionOptions;
  prefix?: string;
  evaluateConcurrency?: number;
  deliverConcurrency?: number;
  tickEveryMs?: number;
  sweepEveryMs?: number;
}

export interface EvaluatorWorkers {
  readonly workers: readonly Worker[];
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
  const workers: Worker[] = [
    startCatalogWorker('evaluate', (payload) => evaluateRollout(ctx, payload), {
      ...base,
      concurrency: options.evaluateConcurrency ?? 16,
    }),
    startCatalogWorker('checkpoint', (payload) => fireTimer(ctx, payload), { ...base, concurrency: 4 }),
    startCatalogWorker('deliver', (payload, job, token) => deliver(ctx, payload, job, token), {
      ...base,
      concurrency: options.deliverConcurrency ?? 32,
    }),
    startCatalogWorker('poll-promql', (payload) => pollPromql(ctx, payload), { ...base, concurrency: 8 }),
    // Backtests replay hours of data: one at a time per evaluator, off the evaluation path.
    startCatalogWorker('backtest', (payload, job) => runBacktestJob(ctx, payload, job), {
      ...base,
      concurrency: 1,
    }),
    startCatalogWorker('tick', async () => void (await tick(ctx)), { ...base, concurrency: 1 }),
    startCatalogWorker('sweep-outbox', async () => void (await sweepOutbox(ctx)), {
      ...base,
      concurrency: 1,
    }),
  ];
  // Job schedulers are upserted by every evaluator; BullMQ keeps one per id, so N evaluators tick once.
  await ctx.queues.tick.upsertJobScheduler(
    'tick',
    { every: options.tickEveryMs ?? 2_000 },
    { name: 'tick', data: {} },
  );
  await ctx.queues['sweep-outbox'].upsertJobScheduler(
    'sweep-outbox',
    { every: options.sweepEveryMs ?? 10_000 },
    { name: 'sweep-outbox', data: {} },
  );
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
    workers,
    async close(timeoutMs = 3_000) {
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
