import { type CatalogQueue, enqueueEvaluate } from '@rollout-guard/shared/jobs';
import type { Logger } from '@rollout-guard/shared/observability';

/** What the ingest routes call once a batch stored new data for some rollouts. */
export type OnStored = (rollouts: readonly string[], storedAt: number) => void;

export interface EvaluateOnStored extends OnStored {
  /** Resolves once every enqueue started so far has ended: shutdown waits for it before closing the queue. */
  settled(): Promise<void>;
}

/**
 * Enqueues an `evaluate` job for each rollout a batch touched, at once, deduplicated per rollout by
 * the job catalog, so a breach is judged in milliseconds rather than at the next tick. It does not
 * delay or fail the ingest answer: the data is stored, and the evaluator's tick covers a lost enqueue.
 */
export function evaluateOnStored(queue: CatalogQueue<'evaluate'>, logger: Logger): EvaluateOnStored {
  const pending = new Set<Promise<unknown>>();
  const notify = (rollouts: readonly string[], storedAt: number) => {
    for (const rollout of rollouts) {
      const enqueued = enqueueEvaluate(queue, rollout, 'data', storedAt)
        .catch((error: unknown) => {
          logger.warn(
            { rollout, err: error },
            'could not enqueue an evaluation after ingest; the tick will run it',
          );
        })
        .finally(() => pending.delete(enqueued));
      pending.add(enqueued);
    }
  };
  return Object.assign(notify, {
    async settled() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  });
}
