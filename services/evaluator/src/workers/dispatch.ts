import { enqueueDeliver, scheduleCheckpoint } from '@rollout-guard/shared/jobs';
import type { ActionTarget } from '@rollout-guard/shared/spec';
import type { OutboxEntry } from '@rollout-guard/shared/store';
import type { WorkerContext } from './context.ts';

/** Where a target sends, without credentials: its host, or the format's own service. */
export function destinationOf(target: ActionTarget | undefined): string {
  if (target === undefined) return 'unknown';
  try {
    return new URL(target.url).host;
  } catch {
    return target.format;
  }
}

/**
 * Turns outbox entries into jobs: each delivery gets its delivery-log record and a deliver job (job id =
 * delivery id), each timer a delayed checkpoint job (job id = the decision core's schedule id). Entries
 * leave the outbox only once Redis acknowledged their job, so a crash anywhere here leaves them for the
 * sweeper; the fixed job ids make the second enqueue a no-op, and the delivery log's final status stops a
 * job re-created after the first one finished and was cleaned up.
 */
export async function dispatchOutbox(
  ctx: WorkerContext,
  rollout: string,
  entries: readonly OutboxEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const now = ctx.now();
  await Promise.all(
    entries.map(async (entry) => {
      if (entry.kind === 'deliver') {
        const spec = await ctx.store.getSpec(rollout, entry.specVersion);
        const target = spec?.spec.spec.actions[entry.action][entry.targetIndex];
        await ctx.deliveryLog.open(
          entry,
          { format: target?.format ?? 'unknown', destination: destinationOf(target) },
          entry.triggeredAt === undefined ? {} : { triggeredAt: entry.triggeredAt },
        );
        await enqueueDeliver(ctx.queues.deliver, { deliveryId: entry.id, rollout });
      } else {
        await scheduleCheckpoint(
          ctx.queues.checkpoint,
          entry.id,
          { rollout, event: entry.event, wave: entry.wave, dueAt: entry.at },
          now,
        );
      }
    }),
  );
  await ctx.store.removeOutbox(
    rollout,
    entries.map((entry) => entry.id),
  );
}
