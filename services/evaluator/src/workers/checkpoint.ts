import type { JobPayload } from '@rollout-guard/shared/jobs';
import type { WorkerContext } from './context.ts';
import { applyAndFollow } from './drive.ts';

/**
 * A timer fired: the baseline window or a wave's bake is over. The state machine refuses a timer whose
 * deadline has moved since it was scheduled (a pause, an extended bake), so a stale job is harmless.
 */
export async function fireTimer(ctx: WorkerContext, payload: JobPayload<'checkpoint'>): Promise<void> {
  const result = await applyAndFollow(ctx, payload.rollout, { type: payload.event });
  if (!result.ok && result.refused) {
    ctx.log.info({ rollout: payload.rollout, event: payload.event, dueAt: payload.dueAt }, result.reason);
  }
}
