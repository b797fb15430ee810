import type { Job } from 'bullmq';
import type { JobPayload } from './catalog.ts';
import { checkpointJobId, deliverJobId } from './job-ids.ts';
import type { CatalogQueue } from './queues.ts';

export type EvaluateReason = JobPayload<'evaluate'>['reason'];

/** Fresh data and operator actions go before the periodic tick, which with many rollouts queues hundreds. */
export const EVALUATE_PRIORITY = { urgent: 1, tick: 10 } as const;

/**
 * Asks for an evaluation of one rollout. Deduplicated per rollout: a burst of ingests while an evaluation
 * waits adds nothing, and one arriving while an evaluation runs leaves exactly one more queued behind it
 * (BullMQ `keepLastIfActive`), so fresh data is never missed. `enqueuedAt` is kept from the first ask, which
 * is what breach latency is measured from. Ticks are deduplicated on their own and queued at a lower
 * priority, so fresh data never waits behind the tick's round of every active rollout (a tick and a data
 * evaluation of one rollout may then run at once; the store's compare-and-set keeps that safe).
 */
export async function enqueueEvaluate(
  queue: CatalogQueue<'evaluate'>,
  rollout: string,
  reason: EvaluateReason,
  enqueuedAt: number = Date.now(),
): Promise<Job<JobPayload<'evaluate'>, unknown, 'evaluate'>> {
  const tick = reason === 'tick';
  return queue.add(
    'evaluate',
    { rollout, reason, enqueuedAt },
    {
      deduplication: { id: `${tick ? 'evt' : 'ev'}.${rollout}`, keepLastIfActive: true },
      priority: tick ? EVALUATE_PRIORITY.tick : EVALUATE_PRIORITY.urgent,
    },
  );
}

/**
 * Schedules a timer (a wave's bake end, the baseline's end) under the decision core's deterministic schedule
 * id, so scheduling it again is a no-op and an extended bake (a new due time) gets a job of its own.
 */
export async function scheduleCheckpoint(
  queue: CatalogQueue<'checkpoint'>,
  scheduleId: string,
  payload: JobPayload<'checkpoint'>,
  now: number = Date.now(),
): Promise<Job<JobPayload<'checkpoint'>, unknown, 'checkpoint'>> {
  return queue.add('checkpoint', payload, {
    jobId: checkpointJobId(scheduleId),
    delay: Math.max(0, payload.dueAt - now),
  });
}

/** Enqueues one outbox delivery. jobId = the delivery id: the evaluator and the sweeper racing keep one job. */
export async function enqueueDeliver(
  queue: CatalogQueue<'deliver'>,
  payload: JobPayload<'deliver'>,
  delayMs = 0,
): Promise<Job<JobPayload<'deliver'>, unknown, 'deliver'>> {
  return queue.add('deliver', payload, { jobId: deliverJobId(payload.deliveryId), delay: delayMs });
}
