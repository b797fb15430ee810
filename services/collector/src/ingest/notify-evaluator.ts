import { type CatalogQueue, enqueueEvaluate } from '@rollout-guard/shared/jobs';
import type { Logger } from '@rollout-guard/shared/observability';

/** What the ingest routes call once a batch stored new data for some rollouts. */
export type OnStored = (rollouts: readonly string[], storedAt: number) => void;

/**
 * Enqueues an `evaluate` job for each rollout a batch touched, at once, deduplicated per rollout by
 * the job catalog, so a breach is judged in milliseconds rather than at the next tick. It does not
 * delay or fail the ingest answer: the data is stored, and the evaluator's tick covers a lost enqueue.
 */
export function evaluateOnStored(queue: CatalogQueue<'evaluate'>, logger: Logger): OnStored {
  return function notifyEvaluator(rollouts, storedAt) {
    for (const rollout of rollouts) {
      enqueueEvaluate(queue, rollout, 'data', storedAt).catch((error: unknown) => {
        logger.warn(
          { rollout, err: error },
          'could not enqueue an evaluation after ingest; the tick will run it',
        );
      });
    }
  };
}
