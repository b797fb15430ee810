import { type JobName, type JobPayload, jobCatalog, parsePayload } from '@rollout-guard/shared/jobs';
import { type ConnectionOptions, type Job, Worker } from 'bullmq';
import type { EvaluatorMetrics } from '../metrics/evaluator-metrics.ts';
import type { WorkerLog } from './context.ts';

export type Handler<N extends JobName> = (
  payload: JobPayload<N>,
  job: Job,
  token: string | undefined,
) => Promise<void>;

export class JobTimeoutError extends Error {
  override name = 'JobTimeoutError';
}

export interface CatalogWorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  metrics: EvaluatorMetrics;
  log: Pick<WorkerLog, 'error'>;
  /** Counts the jobs running now (the worker watchdog reads it). */
  running?: { count: number };
}

/**
 * A BullMQ worker for one job of the catalog: the payload is validated again on dequeue (an invalid one
 * fails for good), the handler runs under the catalog's time limit, and the wait in the queue is measured.
 */
export function startCatalogWorker<N extends JobName>(
  name: N,
  handler: Handler<N>,
  options: CatalogWorkerOptions,
): Worker {
  const { timeoutMs } = jobCatalog[name];
  const worker = new Worker(
    name,
    async function processCatalogJob(job: Job, token?: string) {
      const due = job.timestamp + (job.opts.delay ?? 0);
      options.metrics.jobWait.observe({ queue: name }, Math.max(0, Date.now() - due) / 1000);
      const payload = parsePayload(name, job.data);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new JobTimeoutError(`${name} job ${job.id} ran longer than ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      if (options.running) options.running.count++;
      try {
        await Promise.race([handler(payload, job, token), timeout]);
      } finally {
        clearTimeout(timer);
        if (options.running) options.running.count--;
      }
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      // Jobs of a process killed mid-run go back to waiting quickly, so a restart or a peer picks them up.
      stalledInterval: 5_000,
      lockDuration: 15_000,
    },
  );
  // Without a listener an 'error' event (Redis lost, a lock not renewed) is thrown and ends the process.
  worker.on('error', (error) => {
    options.log.error({ err: error, queue: name }, `${name} worker: ${error.message}`);
  });
  worker.on('failed', (_job, error) => {
    if (error.name !== 'DelayedError') options.metrics.jobFailures.inc({ queue: name });
  });
  return worker;
}
