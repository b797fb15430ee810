import type { Actor } from './decision.ts';
import { addDecision, type Draft, SYSTEM } from './draft.ts';
import type { CheckEvidence } from './evidence.ts';
import type { Phase, RolloutState } from './state.ts';

// `rollout.resolved`: the end of what an alert was about, so that on-call tools close what they opened
// (PagerDuty resolve, Alertmanager endsAt). An alert is open from the evaluation that found its guardrail
// breached until one finds it back within `allowed`, or until nothing watches it any more.

/** Guardrails whose last evaluation found them breached: each raised a rollback, pause or alert. */
export function openGuardrails(state: RolloutState): CheckEvidence[] {
  return Object.values(state.guardrails).flatMap((g) =>
    g.outcome === 'breached' && g.evidence !== null ? [g.evidence] : [],
  );
}

/** One guardrail back within `allowed` after a breach. */
export function resolveGuardrail(
  state: RolloutState,
  draft: Draft,
  now: number,
  evidence: CheckEvidence,
  to: Phase,
): void {
  const percent = state.spec.spec.waves[state.wave - 1]?.percent;
  addDecision(draft, state, now, {
    kind: 'resolved',
    subject: evidence.check,
    outcome: 'resolved',
    webhook: 'rollout.resolved',
    wave: state.wave,
    actor: SYSTEM,
    reason: `guardrail ${evidence.check} is back within its limit in wave ${state.wave} (${percent}%): ${evidence.explanation}`,
    to,
    checks: [evidence],
    shadow: evidence.shadow === true,
  });
}

/**
 * Ends what is still open when the rollout stops watching it: it completed, was aborted, resumed (its
 * counters start afresh) or was rolled back by an operator. Nothing is sent when nothing is open.
 */
export function resolveOpen(
  state: RolloutState,
  draft: Draft,
  now: number,
  actor: Actor,
  why: string,
  to: Phase,
): void {
  const open = openGuardrails(state);
  if (open.length === 0 && state.phase !== 'paused') return;
  const checks =
    open.length === 0 ? '' : `; guardrail ${open.map((e) => e.check).join(', ')} no longer alerting`;
  addDecision(draft, state, now, {
    kind: 'resolved',
    subject: 'open',
    outcome: 'resolved',
    webhook: 'rollout.resolved',
    wave: state.wave,
    actor,
    reason: `${why}${checks}`,
    to,
    checks: open,
  });
}
