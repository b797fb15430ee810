import type { Actor } from './decision.ts';
import { addDecision, type Draft } from './draft.ts';
import type { CheckEvidence } from './evidence.ts';
import { resolveOpen } from './resolution.ts';
import { type RolloutState, resetGuardrails, type WaveRecord } from './state.ts';

/**
 * Asks for the wave's checkpoint timer. The job id includes the time, so a timer moved by a pause or an
 * extension is a new job; the old one, firing early, is refused as stale.
 */
export function scheduleBake(state: RolloutState, draft: Draft, wave: number, at: number): void {
  const jobId = `${state.spec.metadata.name}:v${state.specVersion}:wave-${wave}:bake-elapsed:${at}`;
  draft.effects.push({ type: 'schedule', event: 'bake-elapsed', at, wave, jobId });
}

export function scheduleBaseline(state: RolloutState, draft: Draft, at: number): void {
  const jobId = `${state.spec.metadata.name}:v${state.specVersion}:baseline-complete:${at}`;
  draft.effects.push({ type: 'schedule', event: 'baseline-complete', at, wave: 0, jobId });
}

function closeHistory(history: readonly WaveRecord[], now: number): WaveRecord[] {
  return history.map((w) => (w.endedAt === null ? { ...w, endedAt: now } : w));
}

/**
 * Starts wave `index` (1-based): the advance webhook sets the flag to its percent, and its checkpoint is scheduled.
 * The new wave's guardrails are judged afresh, so whatever they raised in the last one (an alert-only guardrail
 * breached while awaiting approval) ends first: nothing would ever resolve it otherwise.
 */
export function enterWave(
  state: RolloutState,
  draft: Draft,
  index: number,
  now: number,
  actor: Actor,
  why: string,
  checks: readonly CheckEvidence[] = [],
): RolloutState {
  const wave = state.spec.spec.waves[index - 1];
  if (wave === undefined) throw new RangeError(`wave ${index} does not exist in ${state.spec.metadata.name}`);
  resolveOpen(state, draft, now, actor, `wave ${index} starts and its guardrails are judged afresh`, 'wave');
  addDecision(draft, state, now, {
    kind: 'advance',
    subject: 'wave',
    outcome: 'advance',
    webhook: 'rollout.advance',
    wave: index,
    actor,
    reason: `${why}; wave ${index} of ${state.spec.spec.waves.length} starts at ${wave.percent}% of traffic`,
    to: 'wave',
    checks,
  });
  const deadline = now + wave.bake.ms;
  scheduleBake(state, draft, index, deadline);
  return {
    ...state,
    phase: 'wave',
    wave: index,
    deadline,
    bakeStartedAt: now,
    bakeMs: wave.bake.ms,
    pausedMs: 0,
    paused: null,
    guardrails: resetGuardrails(state.spec),
    history: [
      ...closeHistory(state.history, now),
      { index, percent: wave.percent, startedAt: now, endedAt: null },
    ],
  };
}

/** Moves to a terminal phase and stops all timers and evaluation. */
export function endRollout(
  state: RolloutState,
  draft: Draft,
  phase: 'completed' | 'rolled-back' | 'aborted',
  now: number,
): RolloutState {
  draft.effects.push({ type: 'stop' });
  return {
    ...state,
    phase,
    deadline: null,
    paused: null,
    history: closeHistory(state.history, now),
    endedAt: now,
  };
}
