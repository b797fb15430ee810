import { trace } from '@opentelemetry/api';
import type { Measurement, RolloutEvent, RolloutState } from '@rollout-guard/shared/decision';
import type { Check } from '@rollout-guard/shared/spec';
import type { ApplyContext, ApplyResult, EventSource, StoredState } from '@rollout-guard/shared/store';
import { measureChecks } from '../measure/measure-check.ts';
import { promqlMeasurement } from '../measure/promql-measurement.ts';
import type { WorkerContext } from './context.ts';
import { dispatchOutbox } from './dispatch.ts';
import { readPromqlValues } from './poll-promql.ts';
import { readStatsFrom } from './read-stats.ts';

/**
 * Applies an event through the store's compare-and-set path and carries out what the transition asked for:
 * the outbox (deliveries and timers) becomes jobs, decisions are counted, and a checkpoint that wants its
 * criteria measured gets a `checkpoint` event at once.
 */
export async function applyAndFollow(
  ctx: WorkerContext,
  rollout: string,
  source: EventSource,
  context: ApplyContext = {},
): Promise<ApplyResult> {
  const result = await ctx.store.applyEvent(rollout, source, ctx.now(), context);
  if (!result.ok) return result;
  for (const decision of result.decisions) {
    ctx.metrics.decisions.inc({ kind: decision.kind, outcome: decision.outcome });
    ctx.log.info(
      { rollout, decision: decision.id, kind: decision.kind, outcome: decision.outcome, wave: decision.wave },
      decision.reason,
    );
  }
  trace.getActiveSpan()?.addEvent('transition', {
    rollout,
    event: result.event.type,
    from: result.before.phase,
    to: result.state.phase,
    decisions: result.decisions.length,
  });
  await dispatchOutbox(ctx, rollout, result.outbox);
  if (result.effects.some((effect) => effect.type === 'evaluate-checkpoint')) {
    const { current: _stale, ...rest } = context;
    await applyAndFollow(ctx, rollout, (current) => checkpointEvent(ctx, current), rest);
  }
  return result;
}

/** Measures checks now: ingested metrics from the buckets, PromQL checks from their latest polled values. */
export async function measureNow(
  ctx: WorkerContext,
  state: RolloutState,
  checks: readonly Check[],
): Promise<Record<string, Measurement>> {
  const rollout = state.spec.metadata.name;
  const now = ctx.now();
  const measurements = await measureChecks(readStatsFrom(ctx)(rollout), checks, state, now);
  const wave = state.spec.spec.waves[state.wave - 1];
  if (wave === undefined) return measurements;
  for (const check of checks) {
    if (check.metric.kind !== 'promql') continue;
    const measured = promqlMeasurement(check, wave, await readPromqlValues(ctx, rollout, check.name), now);
    if (measured !== undefined) measurements[check.name] = measured;
  }
  return measurements;
}

/** The success criteria of the current wave measured now, as a `checkpoint` event (null if not at one). */
export async function checkpointEvent(
  ctx: WorkerContext,
  current: StoredState,
): Promise<RolloutEvent | null> {
  const { state } = current;
  if (state.phase !== 'checkpoint') return null;
  return { type: 'checkpoint', measurements: await measureNow(ctx, state, state.spec.spec.successCriteria) };
}

/** The guardrails measured now, as an `evaluation` event. */
export async function evaluationEvent(ctx: WorkerContext, current: StoredState): Promise<RolloutEvent> {
  const { state } = current;
  return { type: 'evaluation', measurements: await measureNow(ctx, state, state.spec.spec.guardrails) };
}
