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
 *
 * One enqueue per rollout is under way at a time. Batches stored meanwhile (hundreds a second under
 * load, each of which would be a deduplicated no-op in Redis) are folded into one more enqueue when it
 * ends, stamped with the earliest of their times: the data is judged one Redis round trip later at most,
 * and the enqueue's work is done once per round trip instead of once per batch.
 */
export function evaluateOnStored(queue: CatalogQueue<'evaluate'>, logger: Logger): EvaluateOnStored {
  const pending = new Set<Promise<unknown>>();
  /** Rollouts with an enqueue under way → the earliest time stored since it began (undefined: none). */
  const underWay = new Map<string, number | undefined>();
  const enqueue = (rollout: string, storedAt: number) => {
    underWay.set(rollout, undefined);
    const enqueued = enqueueEvaluate(queue, rollout, 'data', storedAt)
      .catch((error: unknown) => {
        logger.warn(
          { rollout, err: error },
          'could not enqueue an evaluation after ingest; the tick will run it',
        );
      })
      .finally(() => {
        pending.delete(enqueued);
        const next = underWay.get(rollout);
        underWay.delete(rollout);
        if (next !== undefined) enqueue(rollout, next);
      });
    pending.add(enqueued);
  };
  const notify = (rollouts: readonly string[], storedAt: number) => {
    for (const rollout of rollouts) {
      if (!underWay.has(rollout)) enqueue(rollout, storedAt);
      else {
        const next = underWay.get(rollout);
        if (next === undefined || storedAt < next) underWay.set(rollout, storedAt);
      }
    }
  };
  return Object.assign(notify, {
    async settled() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  });
}
