import { SpanStatusCode, trace } from '@opentelemetry/api';
import { TERMINAL_PHASES } from '@rollout-guard/shared/decision';
import type { JobPayload } from '@rollout-guard/shared/jobs';
import type { WorkerContext } from './context.ts';
import { dispatchOutbox } from './dispatch.ts';
import { applyAndFollow, checkpointEvent, evaluationEvent } from './drive.ts';

const tracer = trace.getTracer('rollout-guard-evaluator');

/**
 * One evaluation of one rollout: deliveries left in its outbox go out first; a timer that is due fires even if
 * its delayed job was lost (the tick makes this happen within seconds); a checkpoint that waits for its
 * criteria gets them; and in every phase with treatment traffic the guardrails are measured and judged.
 * Fresh data (`reason: data`) carries its ingest time, so a rollback it causes is timed from there.
 */
export async function evaluateRollout(ctx: WorkerContext, payload: JobPayload<'evaluate'>): Promise<void> {
  const { rollout, reason } = payload;
  const started = performance.now();
  await tracer.startActiveSpan('evaluate', { attributes: { rollout, reason } }, async (span) => {
    try {
      const result = await evaluateOnce(ctx, payload);
      ctx.metrics.evaluations.inc({ reason, result });
      span.setAttribute('result', result);
    } catch (error) {
      ctx.metrics.evaluations.inc({ reason, result: 'error' });
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      ctx.metrics.evaluationDuration.observe((performance.now() - started) / 1000);
      span.end();
    }
  });
}

async function evaluateOnce(ctx: WorkerContext, payload: JobPayload<'evaluate'>): Promise<string> {
  const { rollout, reason } = payload;
  const [leftovers, stored] = await Promise.all([ctx.store.listOutbox(rollout), ctx.store.getState(rollout)]);
  await dispatchOutbox(ctx, rollout, leftovers);

  if (stored === null) return 'skipped';
  const { state } = stored;
  if (state.phase === 'pending' || TERMINAL_PHASES.includes(state.phase)) return 'skipped';
  if (reason === 'tick') {
    // The collector's matcher view is repaired here if a crash left it behind the state.
    const spec = await ctx.store.getSpec(rollout, state.specVersion);
    if (spec !== null) await ctx.store.syncActive(rollout, { spec, state: stored });
  }

  const now = ctx.now();
  let current = stored;
  if (state.deadline !== null && state.deadline <= now && state.paused === null) {
    if (state.phase === 'baseline' || state.phase === 'wave') {
      await applyAndFollow(ctx, rollout, {
        type: state.phase === 'baseline' ? 'baseline-complete' : 'bake-elapsed',
      });
      current = (await ctx.store.getState(rollout)) ?? stored;
    }
  }
  if (current.state.phase === 'checkpoint') {
    await applyAndFollow(ctx, rollout, (fresh) => checkpointEvent(ctx, fresh), { current });
    current = (await ctx.store.getState(rollout)) ?? current;
  }

  const context = reason === 'data' ? { triggeredAt: payload.enqueuedAt, current } : { current };
  const result = await applyAndFollow(
    ctx,
    rollout,
    (fresh) =>
      fresh.state.phase === 'pending' ||
      fresh.state.phase === 'baseline' ||
      TERMINAL_PHASES.includes(fresh.state.phase)
        ? null
        : evaluationEvent(ctx, fresh),
    context,
  );
  return result.ok ? 'applied' : result.refused ? 'refused' : 'skipped';
}
