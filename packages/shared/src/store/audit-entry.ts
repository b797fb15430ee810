import type { Decision, Effect } from '../decision/decision.ts';
import type { RolloutEvent } from '../decision/events.ts';
import type { RolloutState } from '../decision/state.ts';
import type { AuditEntry, Position } from './records.ts';

export type AuditDraft = Omit<AuditEntry, 'id' | 'rev'>;

export function positionOf(state: RolloutState): Position {
  return { phase: state.phase, wave: state.wave };
}

export function actorOf(event: RolloutEvent): string {
  return 'actor' in event ? event.actor : 'system';
}

export function decisionsOf(effects: readonly Effect[]): Decision[] {
  return effects.flatMap((effect) => (effect.type === 'decision' ? [effect.decision] : []));
}

/**
 * Whether a transition belongs in the audit log. Every operator event, phase or wave change and decision
 * does; an evaluation that only refreshed the numbers does not (it happens every few seconds, and its
 * numbers are in the state and the decisions that matter) — unless a guardrail's outcome or its run of
 * consecutive breaches changed, which is the path to a decision and is recorded step by step.
 */
export function worthAuditing(
  before: RolloutState,
  after: RolloutState,
  event: RolloutEvent,
  effects: readonly Effect[],
) {
  if (event.type !== 'evaluation') return true;
  if (before.phase !== after.phase || before.wave !== after.wave) return true;
  if (effects.some((effect) => effect.type === 'decision')) return true;
  return Object.entries(after.guardrails).some(([name, now]) => {
    const then = before.guardrails[name];
    return then === undefined || then.outcome !== now.outcome || then.consecutive !== now.consecutive;
  });
}

export function transitionAudit(
  before: RolloutState,
  after: RolloutState,
  event: RolloutEvent,
  effects: readonly Effect[],
  now: number,
): AuditDraft {
  const decisions = decisionsOf(effects);
  const moved =
    before.phase !== after.phase || before.wave !== after.wave
      ? `${before.phase}${before.wave > 0 ? ` (wave ${before.wave})` : ''} → ${after.phase}${after.wave > 0 ? ` (wave ${after.wave})` : ''}`
      : `stays ${after.phase}${after.wave > 0 ? ` (wave ${after.wave})` : ''}`;
  const decided = decisions.map((d) => `${d.kind} ${d.outcome}`).join(', ');
  return {
    at: now,
    kind: 'transition',
    actor: actorOf(event),
    specVersion: before.specVersion,
    event,
    from: positionOf(before),
    to: positionOf(after),
    decisions: decisions.map((d) => d.id),
    summary: `${event.type}: ${moved}${decided === '' ? '' : `; decided ${decided}`}`,
  };
}

export function refusedAudit(
  state: RolloutState,
  event: RolloutEvent,
  reason: string,
  now: number,
): AuditDraft {
  return {
    at: now,
    kind: 'refused',
    actor: actorOf(event),
    specVersion: state.specVersion,
    event,
    from: positionOf(state),
    to: null,
    decisions: [],
    summary: reason,
  };
}
