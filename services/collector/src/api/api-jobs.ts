import {
  type CatalogQueue,
  defaultJobOptions,
  defaultQueuePrefix,
  deliverJobId,
  type EvaluateReason,
  enqueueEvaluate,
} from '@rollout-guard/shared/jobs';
import { type ConnectionOptions, Queue } from 'bullmq';

/** The jobs the API asks the evaluator for. */
export interface ApiJobs {
  /** An evaluation now, so an operator's decisions are delivered at once (not at the next outbox sweep). */
  evaluate(rollout: string, reason: EvaluateReason): Promise<void>;
  /** A fresh deliver job for a delivery; `round` tells redeliveries apart from the first job's id. */
  redeliver(deliveryId: string, rollout: string, round: number): Promise<void>;
  /** A backtest to run: its record is already stored under its id. */
  backtest(id: string): Promise<void>;
  close(): Promise<void>;
}

export function createApiJobs(
  connection: ConnectionOptions,
  prefix = defaultQueuePrefix,
): ApiJobs & { readonly evaluateQueue: CatalogQueue<'evaluate'> } {
  const evaluate = new Queue('evaluate', {
    connection,
    prefix,
    defaultJobOptions: defaultJobOptions('evaluate'),
  }) as CatalogQueue<'evaluate'>;
  const deliver = new Queue('deliver', {
    connection,
    prefix,
    defaultJobOptions: defaultJobOptions('deliver'),
  }) as CatalogQueue<'deliver'>;
  const backtest = new Queue('backtest', {
    connection,
    prefix,
    defaultJobOptions: defaultJobOptions('backtest'),
  }) as CatalogQueue<'backtest'>;
  return {
    evaluateQueue: evaluate,
    async evaluate(rollout, reason) {
      await enqueueEvaluate(evaluate, rollout, reason);
    },
    async redeliver(deliveryId, rollout, round) {
      // The first job's id may still be kept as completed, which would make BullMQ ignore a re-add.
      await deliver.add(
        'deliver',
        { deliveryId, rollout },
        { jobId: `${deliverJobId(deliveryId)}.r${round}` },
      );
    },
    async backtest(id) {
      await backtest.add('backtest', { id }, { jobId: id });
    },
    async close() {
      await Promise.all([evaluate.close(), deliver.close(), backtest.close()]);
    },
  };
}
