import type { Actor, Decision, DecisionOutcome, Effect, WebhookType } from './decision.ts';
import { type DecisionKind, decisionId } from './decision-id.ts';
import type { CheckEvidence } from './evidence.ts';
import { rolloutOncall, withOncall } from './oncall.ts';
import type { Phase, RolloutState } from './state.ts';

/** The effects and decision ordinals a transition accumulates before it returns. */
export interface Draft {
  readonly effects: Effect[];
  readonly ordinals: Record<string, number>;
}

export function startDraft(state: RolloutState): Draft {
  return { effects: [], ordinals: { ...state.ordinals } };
}

export interface DecisionDraft {
  readonly kind: DecisionKind;
  readonly subject: string;
  readonly outcome: DecisionOutcome;
  readonly webhook: WebhookType | null;
  /** 1-based wave the decision concerns; 0 before wave 1. */
  readonly wave: number;
  readonly actor: Actor;
  readonly reason: string;
  readonly to: Phase;
  readonly checks?: readonly CheckEvidence[];
  /** A shadow check acting inside an enforcing rollout; a shadow rollout marks every decision shadow anyway. */
  readonly shadow?: boolean;
}

/**
 * The webhook a shadow decision sends: nothing that acts. A rollback reaches the alert targets as an alert (a
 * receiver that turns flags off on `rollout.rollback` must not hear it), an advance is not sent at all;
 * verdicts, alerts, pauses and completions go out as usual, marked shadow.
 */
export function shadowWebhook(webhook: WebhookType | null): WebhookType | null {
  if (webhook === 'rollout.rollback') return 'rollout.alert';
  if (webhook === 'rollout.advance') return null;
  return webhook;
}

export function isShadowRollout(state: RolloutState): boolean {
  return state.spec.spec.mode === 'shadow';
}

/** Adds a decision effect; its id's ordinal counts earlier decisions of the same kind and subject in that wave. */
export function addDecision(draft: Draft, state: RolloutState, now: number, d: DecisionDraft): Decision {
  const key = `${d.wave}:${d.kind}:${d.subject}`;
  const ordinal = draft.ordinals[key] ?? 0;
  draft.ordinals[key] = ordinal + 1;
  const wavePlan = d.wave > 0 ? state.spec.spec.waves[d.wave - 1] : undefined;
  const shadow = isShadowRollout(state) || d.shadow === true;
  const rollout = state.spec.metadata.name;
  const wave = wavePlan === undefined ? null : { index: d.wave, percent: wavePlan.percent };
  const flag = state.spec.spec.flag;
  const decision: Decision = {
    id: decisionId({
      rollout: state.spec.metadata.name,
      specVersion: state.specVersion,
      wave: d.wave,
      kind: d.kind,
      subject: d.subject,
      ordinal,
    }),
    kind: d.kind,
    outcome: d.outcome,
    rollout,
    flag,
    specVersion: state.specVersion,
    wave,
    actor: d.actor,
    reason: d.reason,
    at: now,
    phase: { from: state.phase, to: d.to },
    checks: (d.checks ?? []).map((evidence) => withOncall(evidence, state.spec, { rollout, flag, wave })),
    shadow,
    ...rolloutOncall(state.spec),
  };
  draft.effects.push({ type: 'decision', webhook: shadow ? shadowWebhook(d.webhook) : d.webhook, decision });
  return decision;
}

export function operator(name: string): Actor {
  return { type: 'operator', name };
}

export const SYSTEM: Actor = { type: 'system' };
