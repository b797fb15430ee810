import { applyCheckpoint } from './checkpoint.ts';
import type { TransitionResult } from './decision.ts';
import { addDecision, type Draft, operator, startDraft } from './draft.ts';
import { applyEvaluation, isWatched } from './evaluation.ts';
import type { OperatorEvent, RolloutEvent } from './events.ts';
import { resolveOpen } from './resolution.ts';
import { type RolloutState, resetGuardrails, TERMINAL_PHASES } from './state.ts';
import { endRollout, enterWave, scheduleBake, scheduleBaseline } from './wave-flow.ts';

function refuse(reason: string): TransitionResult {
  return { ok: false, reason };
}

function describePhase(state: RolloutState): string {
  const wave = state.spec.spec.waves[state.wave - 1];
  const at = wave === undefined ? '' : ` in wave ${state.wave} (${wave.percent}%)`;
  switch (state.phase) {
    case 'pending':
      return 'has not started';
    case 'baseline':
      return 'is capturing its baseline';
    case 'wave':
      return `is baking${at} until ${new Date(state.deadline ?? 0).toISOString()}`;
    case 'checkpoint':
      return `is at its checkpoint${at}`;
    case 'awaiting-approval':
      return `is awaiting approval${at}`;
    case 'paused':
      return `is paused${at}`;
    case 'completed':
      return 'has completed';
    case 'rolled-back':
      return 'was rolled back';
    case 'aborted':
      return 'was aborted';
  }
}

function withReason(event: OperatorEvent, text: string): string {
  return event.reason === undefined || event.reason === '' ? text : `${text}: ${event.reason}`;
}

/**
 * The rollout state machine (PRODUCT.md §1 "Rollout phases"): pure, no clock and no I/O — `now` is the
 * caller's. Refusals say why, in words an operator can act on.
 */
export function transition(state: RolloutState, event: RolloutEvent, now: number): TransitionResult {
  const name = state.spec.metadata.name;
  if (TERMINAL_PHASES.includes(state.phase)) {
    return refuse(
      `${event.type} refused: rollout ${name} ${describePhase(state)}; nothing can change it any more — store a new spec version to release again`,
    );
  }
  const draft = startDraft(state);
  const next = step(state, draft, event, now);
  if (typeof next === 'string') return refuse(`${event.type} refused: rollout ${name} ${next}`);
  return { ok: true, state: { ...next, ordinals: draft.ordinals }, effects: draft.effects };
}

/** Returns the next state, or why the event does not apply in this phase. */
function step(state: RolloutState, draft: Draft, event: RolloutEvent, now: number): RolloutState | string {
  switch (event.type) {
    case 'start':
      return start(state, draft, event, now);
    case 'pause':
      return pause(state, draft, event, now);
    case 'resume':
      return resume(state, draft, event, now);
    case 'approve':
      if (state.phase !== 'awaiting-approval') {
        return `${describePhase(state)}; approve applies only after a go verdict, in awaiting-approval`;
      }
      return enterWave(
        state,
        draft,
        state.wave + 1,
        now,
        operator(event.actor),
        withReason(event, `${event.actor} approved the next wave`),
      );
    case 'abort':
      addDecision(draft, state, now, {
        kind: 'aborted',
        subject: 'operator',
        outcome: 'aborted',
        webhook: null,
        wave: state.wave,
        actor: operator(event.actor),
        reason: withReason(
          event,
          `${event.actor} aborted the rollout; the flag stays as it is and nothing is watched any more`,
        ),
        to: 'aborted',
      });
      resolveOpen(state, draft, now, operator(event.actor), `${event.actor} aborted the rollout`, 'aborted');
      return endRollout(state, draft, 'aborted', now);
    case 'rollback':
      if (state.phase === 'pending')
        return `${describePhase(state)}, so there is nothing to roll back; abort it instead`;
      // The rollback is itself on-call's incident; only the checks' own alerts end here.
      resolveOpen(
        { ...state, phase: state.phase === 'paused' ? (state.paused?.from ?? 'wave') : state.phase },
        draft,
        now,
        operator(event.actor),
        `${event.actor} rolled the rollout back, so its guardrails are no longer watched`,
        'rolled-back',
      );
      addDecision(draft, state, now, {
        kind: 'rollback',
        subject: 'operator',
        outcome: 'rollback',
        webhook: 'rollout.rollback',
        wave: state.wave,
        actor: operator(event.actor),
        reason: withReason(event, `${event.actor} rolled the rollout back`),
        to: 'rolled-back',
      });
      return endRollout(state, draft, 'rolled-back', now);
    case 'evaluation':
      if (!isWatched(state)) {
        return `${describePhase(state)}; guardrails are watched only while a wave's traffic flows`;
      }
      return applyEvaluation(state, draft, event, now);
    case 'baseline-complete':
      if (state.phase !== 'baseline')
        return `${describePhase(state)}; baseline-complete applies only while capturing a baseline`;
      if (now < (state.deadline ?? 0)) {
        return `captures its baseline until ${new Date(state.deadline ?? 0).toISOString()}; this timer is stale`;
      }
      return enterWave(state, draft, 1, now, { type: 'system' }, 'the baseline window is captured');
    case 'bake-elapsed':
      if (state.phase !== 'wave')
        return `${describePhase(state)}; bake-elapsed applies only while a wave bakes`;
      if (now < (state.deadline ?? 0)) return `${describePhase(state)}; this timer is stale`;
      draft.effects.push({ type: 'evaluate-checkpoint', wave: state.wave });
      return { ...state, phase: 'checkpoint' };
    case 'checkpoint':
      if (state.phase !== 'checkpoint') {
        return `${describePhase(state)}; checkpoint results apply only after the bake elapsed`;
      }
      return applyCheckpoint(state, draft, event, now);
  }
}

function start(state: RolloutState, draft: Draft, event: OperatorEvent, now: number): RolloutState | string {
  if (state.phase !== 'pending') return `${describePhase(state)}; start applies only to a pending rollout`;
  const actor = operator(event.actor);
  const baselineMs = state.spec.spec.baseline?.window.ms ?? null;
  if (baselineMs === null)
    return enterWave(state, draft, 1, now, actor, withReason(event, `${event.actor} started the rollout`));
  const deadline = now + baselineMs;
  addDecision(draft, state, now, {
    kind: 'started',
    subject: 'operator',
    outcome: 'started',
    webhook: null,
    wave: 0,
    actor,
    reason: withReason(
      event,
      `${event.actor} started the rollout; the baseline is captured until ${new Date(deadline).toISOString()}, then wave 1 starts`,
    ),
    to: 'baseline',
  });
  scheduleBaseline(state, draft, deadline);
  return { ...state, phase: 'baseline', deadline };
}

function pause(state: RolloutState, draft: Draft, event: OperatorEvent, now: number): RolloutState | string {
  if (state.phase === 'pending') return `${describePhase(state)}; start it first, or abort it`;
  if (state.phase === 'paused') return `${describePhase(state)} already`;
  addDecision(draft, state, now, {
    kind: 'paused',
    subject: 'pause',
    outcome: 'paused',
    webhook: 'rollout.paused',
    wave: state.wave,
    actor: operator(event.actor),
    reason: withReason(event, `${event.actor} paused the rollout`),
    to: 'paused',
  });
  return { ...state, phase: 'paused', paused: { from: state.phase, at: now, cause: 'operator' } };
}

/**
 * Returns to the phase the pause interrupted. Paused time does not count as bake or baseline, so the timer
 * moves back by it; a no-go pause starts the wave's bake afresh. Guardrail counters restart, so a guardrail
 * that paused the rollout must be breached `consecutive` times again before it acts again.
 */
function resume(state: RolloutState, draft: Draft, event: OperatorEvent, now: number): RolloutState | string {
  const paused = state.paused;
  if (state.phase !== 'paused' || paused === null)
    return `${describePhase(state)}; resume applies only when paused`;
  const pausedFor = Math.max(0, now - paused.at);
  const restartBake = paused.cause === 'no-go';
  const wavePlan = state.spec.spec.waves[state.wave - 1];
  let next: RolloutState = {
    ...state,
    phase: paused.from,
    paused: null,
    guardrails: resetGuardrails(state.spec),
  };
  if (restartBake && wavePlan !== undefined) {
    next = {
      ...next,
      phase: 'wave',
      bakeStartedAt: now,
      bakeMs: wavePlan.bake.ms,
      pausedMs: 0,
      deadline: now + wavePlan.bake.ms,
    };
  } else if (paused.from === 'wave' || paused.from === 'checkpoint') {
    next = { ...next, pausedMs: state.pausedMs + pausedFor, deadline: (state.deadline ?? now) + pausedFor };
  } else if (paused.from === 'baseline') {
    next = { ...next, deadline: (state.deadline ?? now) + pausedFor };
  }
  addDecision(draft, state, now, {
    kind: 'resumed',
    subject: 'operator',
    outcome: 'resumed',
    webhook: null,
    wave: state.wave,
    actor: operator(event.actor),
    reason: withReason(
      event,
      restartBake
        ? `${event.actor} resumed the rollout after a no-go; wave ${state.wave} bakes again until ${new Date(next.deadline ?? now).toISOString()}`
        : `${event.actor} resumed the rollout after ${Math.round(pausedFor / 1000)}s paused`,
    ),
    to: next.phase,
  });
  resolveOpen(state, draft, now, operator(event.actor), `${event.actor} resumed the rollout`, next.phase);
  if (next.phase === 'wave' && next.deadline !== null) {
    scheduleBake(state, draft, state.wave, next.deadline);
  } else if (next.phase === 'baseline' && next.deadline !== null) {
    scheduleBaseline(state, draft, next.deadline);
  } else if (next.phase === 'checkpoint') {
    draft.effects.push({ type: 'evaluate-checkpoint', wave: state.wave });
  }
  return next;
}
