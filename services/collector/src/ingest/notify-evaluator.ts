import { setTimeout as sleep } from 'node:timers/promises';
import { type CatalogQueue, enqueueEvaluate } from '@rollout-guard/shared/jobs';
import type { Logger } from '@rollout-guard/shared/observability';

/** What the ingest routes call once a batch stored new data for some rollouts. */
export type OnStored = (rollouts: readonly string[], storedAt: number) => void;

export interface EvaluateOnStored extends OnStored {
  /** Resolves once every enqueue started so far has ended: shutdown waits for it before closing the queue. */
  settled(): Promise<void>;
}

/**
 * The least time between the starts of two enqueues for one rollout. A sender of small batches
 * (100 series a request) stores hundreds a second per rollout, and an enqueue per batch cost about a
 * tenth of the collector's and Redis's CPU per request; 10 ms keeps it to 100 a second per rollout.
 * It delays a breach's evaluation by 10 ms at most, and only when the rollout's previous enqueue began
 * less than 10 ms earlier (a first batch after a quiet spell is enqueued at once): breach → webhook is
 * promised within 100 ms at p99 (PRODUCT.md) and measured at about 30 ms.
 */
export const EVALUATE_SPACING_MS = 10;

/**
 * Enqueues an `evaluate` job for each rollout a batch touched, at once, deduplicated per rollout by
 * the job catalog, so a breach is judged in milliseconds rather than at the next tick. It does not
 * delay or fail the ingest answer: the data is stored, and the evaluator's tick covers a lost enqueue.
 *
 * One enqueue per rollout is under way at a time, and it holds its place for at least `spacingMs`
 * (default `EVALUATE_SPACING_MS`) from its start. Batches stored meanwhile (hundreds a second under
 * load, each of which would be a deduplicated no-op in Redis) are folded into one more enqueue when it
 * ends, stamped with the earliest of their times: the data is judged a Redis round trip or `spacingMs`
 * later at most, whichever is longer, and the enqueue's work is done once per that time instead of
 * once per batch.
 */
export function evaluateOnStored(
  queue: CatalogQueue<'evaluate'>,
  logger: Logger,
  spacingMs = EVALUATE_SPACING_MS,
): EvaluateOnStored {
  const pending = new Set<Promise<unknown>>();
  /** Rollouts with an enqueue under way → the earliest time stored since it began (undefined: none). */
  const underWay = new Map<string, number | undefined>();
  const enqueue = (rollout: string, storedAt: number) => {
    underWay.set(rollout, undefined);
    const started = performance.now();
    const enqueued = enqueueEvaluate(queue, rollout, 'data', storedAt)
      .catch((error: unknown) => {
        logger.warn(
          { rollout, err: error },
          'could not enqueue an evaluation after ingest; the tick will run it',
        );
      })
      .then(async () => {
        // The slot stays taken for the rest of the spacing: batches stored meanwhile fold into the next.
        const rest = started + spacingMs - performance.now();
        if (rest > 0) await sleep(rest);
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
