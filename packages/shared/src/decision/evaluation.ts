import type { Guardrail } from '@rollout-guard/shared/spec';
import { addDecision, type Draft, SYSTEM } from './draft.ts';
import type { EvaluationEvent } from './events.ts';
import type { CheckEvidence } from './evidence.ts';
import { judgeGuardrail } from './guardrail.ts';
import { resolveGuardrail } from './resolution.ts';
import type { GuardrailState, Phase, RolloutState } from './state.ts';
import { endRollout } from './wave-flow.ts';

/** Phases in which treatment traffic flows, so guardrails are watched. */
const WATCHED: readonly Phase[] = ['wave', 'checkpoint', 'awaiting-approval'];

export function isWatched(state: RolloutState): boolean {
  return (
    WATCHED.includes(state.phase) ||
    (state.phase === 'paused' && WATCHED.includes(state.paused?.from ?? 'pending'))
  );
}

/**
 * Judges every guardrail of the spec against one evaluation's measurements and acts on the ones that became
 * breached: `rollback` wins over `pause`, which wins over `alert`. While paused, traffic still flows, so a
 * rollback guardrail still rolls back; one that would pause alerts instead.
 */
export function applyEvaluation(
  state: RolloutState,
  draft: Draft,
  event: EvaluationEvent,
  now: number,
): RolloutState {
  const wavePlan = state.spec.spec.waves[state.wave - 1];
  if (wavePlan === undefined)
    throw new RangeError(`wave ${state.wave} does not exist in ${state.spec.metadata.name}`);
  const guardrails: Record<string, GuardrailState> = {};
  const acting: { rule: Guardrail; evidence: CheckEvidence }[] = [];
  const recovered: CheckEvidence[] = [];
  const lostData: CheckEvidence[] = [];
  for (const rule of state.spec.spec.guardrails) {
    const previous = state.guardrails[rule.name] ?? {
      consecutive: 0,
      outcome: 'not-evaluated',
      evidence: null,
    };
    const judged = judgeGuardrail(rule, wavePlan, event.measurements[rule.name], previous.consecutive);
    guardrails[rule.name] = {
      consecutive: judged.consecutive,
      outcome: judged.outcome,
      evidence: judged.evidence,
    };
    if (judged.acts) acting.push({ rule, evidence: judged.evidence });
    if (previous.outcome === 'breached' && judged.outcome === 'ok') recovered.push(judged.evidence);
    // Alert when data stops, not on every evaluation without it, and not before any data ever arrived
    // (every wave starts empty).
    const hadData =
      previous.outcome === 'ok' || previous.outcome === 'breached' || previous.outcome === 'insufficient';
    if (rule.noData === 'alert' && judged.outcome === 'no-data' && hadData) lostData.push(judged.evidence);
  }
  const breachedEvidence = Object.values(guardrails).flatMap((g) =>
    g.outcome === 'breached' && g.evidence !== null ? [g.evidence] : [],
  );
  const next: RolloutState = { ...state, guardrails };

  const rollbacks = acting.filter((a) => a.rule.onBreach === 'rollback');
  if (rollbacks.length > 0) {
    addDecision(draft, state, now, {
      kind: 'rollback',
      subject: 'guardrail',
      outcome: 'rollback',
      webhook: 'rollout.rollback',
      wave: state.wave,
      actor: SYSTEM,
      reason: `guardrail ${rollbacks.map((a) => a.rule.name).join(', ')} breached in wave ${state.wave} (${wavePlan.percent}%): ${rollbacks[0]?.evidence.explanation}`,
      to: 'rolled-back',
      checks: breachedEvidence,
    });
    return endRollout(next, draft, 'rolled-back', now);
  }

  let result = next;
  const pauses = acting.filter((a) => a.rule.onBreach === 'pause');
  const alerts = acting.filter(
    (a) => a.rule.onBreach === 'alert' || (a.rule.onBreach === 'pause' && state.phase === 'paused'),
  );
  if (pauses.length > 0 && state.phase !== 'paused') {
    addDecision(draft, state, now, {
      kind: 'paused',
      subject: 'pause',
      outcome: 'paused',
      webhook: 'rollout.paused',
      wave: state.wave,
      actor: SYSTEM,
      reason: `guardrail ${pauses.map((a) => a.rule.name).join(', ')} breached in wave ${state.wave} (${wavePlan.percent}%): ${pauses[0]?.evidence.explanation}; the rollout holds at ${wavePlan.percent}% until an operator resumes, rolls back or aborts it`,
      to: 'paused',
      checks: breachedEvidence,
    });
    result = { ...next, phase: 'paused', paused: { from: state.phase, at: now, cause: 'guardrail' } };
  }
  for (const a of alerts) {
    addDecision(draft, state, now, {
      kind: 'alert',
      subject: a.rule.name,
      outcome: 'alert',
      webhook: 'rollout.alert',
      wave: state.wave,
      actor: SYSTEM,
      reason: `guardrail ${a.rule.name} breached in wave ${state.wave} (${wavePlan.percent}%): ${a.evidence.explanation}`,
      to: result.phase,
      checks: [a.evidence],
    });
  }
  for (const evidence of recovered) resolveGuardrail(state, draft, now, evidence, result.phase);
  for (const evidence of lostData) {
    addDecision(draft, state, now, {
      kind: 'alert',
      subject: `no-data:${evidence.check}`,
      outcome: 'alert',
      webhook: 'rollout.alert',
      wave: state.wave,
      actor: SYSTEM,
      reason: `guardrail ${evidence.check} stopped receiving data in wave ${state.wave} (${wavePlan.percent}%): ${evidence.explanation}`,
      to: result.phase,
      checks: [evidence],
    });
  }
  return result;
}
