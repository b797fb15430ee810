import { enqueueEvaluate } from '@rollout-guard/shared/jobs';
import type { WorkerContext } from './context.ts';

/**
 * Every couple of seconds, an evaluation for each active rollout: time-based transitions (a bake's end when
 * its timer job was lost) and no-data states happen even when no data arrives. Deduplication per rollout
 * keeps a tick from piling up behind a busy evaluation.
 */
export async function tick(ctx: WorkerContext): Promise<number> {
  const active = await ctx.store.listActive();
  const now = ctx.now();
  await Promise.all(active.map((rollout) => enqueueEvaluate(ctx.queues.evaluate, rollout.name, 'tick', now)));
  return active.length;
}
