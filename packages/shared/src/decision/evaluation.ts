import type { Guardrail, Mode } from '@rollout-guard/shared/spec';
import { addDecision, type Draft, isShadowRollout, SYSTEM } from './draft.ts';
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
  const acting: Acting[] = [];
  const recovered: CheckEvidence[] = [];
  const lostData: { rule: Guardrail; evidence: CheckEvidence }[] = [];
  for (const rule of state.spec.spec.guardrails) {
    const previous = state.guardrails[rule.name] ?? {
      consecutive: 0,
      outcome: 'not-evaluated',
      evidence: null,
    };
    const judged = judgeGuardrail(rule, wavePlan, event.measurements[rule.name], previous.consecutive);
    const evidence = markShadow(rule, judged.evidence);
    guardrails[rule.name] = { consecutive: judged.consecutive, outcome: judged.outcome, evidence };
    if (judged.acts) acting.push({ rule, evidence });
    if (previous.outcome === 'breached' && judged.outcome === 'ok') recovered.push(evidence);
    // Alert when data stops, not on every evaluation without it, and not before any data ever arrived
    // (every wave starts empty).
    const hadData =
      previous.outcome === 'ok' || previous.outcome === 'breached' || previous.outcome === 'insufficient';
    if (rule.noData === 'alert' && judged.outcome === 'no-data' && hadData) lostData.push({ rule, evidence });
  }
  const breachedEvidence = (shadow: boolean) =>
    state.spec.spec.guardrails.flatMap((rule) => {
      const g = guardrails[rule.name];
      return isShadowCheck(rule) === shadow && g?.outcome === 'breached' && g.evidence !== null
        ? [g.evidence]
        : [];
    });
  const where = `wave ${state.wave} (${wavePlan.percent}%)`;

  const ctx: BreachContext = { state, draft, now, where };

  // Shadow checks first: they are recorded whatever the enforcing checks then do, and never move the rollout.
  const observed = acting.filter((a) => isShadowCheck(a.rule));
  const observedBreached = breachedEvidence(true);
  const shadowNote = { note: 'it is a shadow check, so nothing acted', to: state.phase, shadowCheck: true };
  const shadowRollbacks = observed.filter((a) => a.rule.onBreach === 'rollback');
  if (shadowRollbacks.length > 0) {
    recordBreach(ctx, 'rollback', shadowRollbacks, {
      ...shadowNote,
      subject: 'shadow:guardrail',
      checks: observedBreached,
    });
  }
  const shadowPauses = observed.filter((a) => a.rule.onBreach === 'pause');
  if (shadowPauses.length > 0) {
    recordBreach(ctx, 'pause', shadowPauses, {
      ...shadowNote,
      subject: 'shadow:pause',
      checks: observedBreached,
    });
  }
  for (const a of observed.filter((x) => x.rule.onBreach === 'alert')) {
    recordBreach(ctx, 'alert', [a], {
      ...shadowNote,
      subject: `shadow:${a.rule.name}`,
      checks: [a.evidence],
    });
  }

  const next: RolloutState = { ...state, guardrails };
  const counting = acting.filter((a) => !isShadowCheck(a.rule));
  const breached = breachedEvidence(false);
  // A shadow rollout takes the same decisions, marked shadow, but stays where it is: it keeps being judged.
  const shadowRollout = isShadowRollout(state);
  const rolloutNote = shadowRollout
    ? 'the rollout is in shadow mode, so nothing acted and it is still judged'
    : undefined;
  const rollbacks = counting.filter((a) => a.rule.onBreach === 'rollback');
  if (rollbacks.length > 0) {
    recordBreach(ctx, 'rollback', rollbacks, {
      subject: 'guardrail',
      to: shadowRollout ? state.phase : 'rolled-back',
      checks: breached,
      note: rolloutNote,
    });
    if (!shadowRollout) return endRollout(next, draft, 'rolled-back', now);
  }

  let result = next;
  const pauses = counting.filter((a) => a.rule.onBreach === 'pause');
  const alerts = counting.filter(
    (a) => a.rule.onBreach === 'alert' || (a.rule.onBreach === 'pause' && state.phase === 'paused'),
  );
  if (pauses.length > 0 && state.phase !== 'paused') {
    recordBreach(ctx, 'pause', pauses, {
      subject: 'pause',
      to: shadowRollout ? state.phase : 'paused',
      checks: breached,
      note:
        rolloutNote ??
        `the rollout holds at ${wavePlan.percent}% until an operator resumes, rolls back or aborts it`,
    });
    if (!shadowRollout) {
      result = { ...next, phase: 'paused', paused: { from: state.phase, at: now, cause: 'guardrail' } };
    }
  }
  for (const a of alerts) {
    recordBreach(ctx, 'alert', [a], { subject: a.rule.name, to: result.phase, checks: [a.evidence] });
  }
  for (const evidence of recovered) resolveGuardrail(state, draft, now, evidence, result.phase);
  for (const { rule, evidence } of lostData) {
    addDecision(draft, state, now, {
      kind: 'alert',
      subject: `no-data:${evidence.check}`,
      outcome: 'alert',
      webhook: 'rollout.alert',
      wave: state.wave,
      actor: SYSTEM,
      reason: `guardrail ${evidence.check} stopped receiving data in ${where}: ${evidence.explanation}`,
      to: result.phase,
      checks: [evidence],
      shadow: isShadowCheck(rule),
    });
  }
  return result;
}

interface Acting {
  readonly rule: Guardrail;
  readonly evidence: CheckEvidence;
}

function names(acting: readonly Acting[]): string {
  return acting.map((a) => a.rule.name).join(', ');
}

/** A check in shadow mode; a spec stored before modes existed has none, and enforces. */
export function isShadowCheck(rule: { readonly mode?: Mode }): boolean {
  return rule.mode === 'shadow';
}

/** A shadow check's evidence says so, wherever it is shown. */
export function markShadow(rule: { readonly mode?: Mode }, evidence: CheckEvidence): CheckEvidence {
  return isShadowCheck(rule) ? { ...evidence, shadow: true } : evidence;
}

interface BreachContext {
  readonly state: RolloutState;
  readonly draft: Draft;
  readonly now: number;
  readonly where: string;
}

const BREACH_DECISIONS = {
  rollback: { kind: 'rollback', outcome: 'rollback', webhook: 'rollout.rollback' },
  pause: { kind: 'paused', outcome: 'paused', webhook: 'rollout.paused' },
  alert: { kind: 'alert', outcome: 'alert', webhook: 'rollout.alert' },
} as const;

/** The decision for guardrails that became breached with the same `onBreach`, named in its reason. */
function recordBreach(
  ctx: BreachContext,
  onBreach: Guardrail['onBreach'],
  acting: readonly Acting[],
  options: {
    readonly subject: string;
    readonly to: Phase;
    readonly checks: readonly CheckEvidence[];
    readonly note?: string | undefined;
    /** Shadow checks' decisions are shadow even in an enforcing rollout. */
    readonly shadowCheck?: boolean;
  },
): void {
  const what = BREACH_DECISIONS[onBreach];
  const note = options.note === undefined ? '' : `; ${options.note}`;
  addDecision(ctx.draft, ctx.state, ctx.now, {
    ...what,
    subject: options.subject,
    wave: ctx.state.wave,
    actor: SYSTEM,
    reason: `${options.shadowCheck ? 'shadow ' : ''}guardrail ${names(acting)} breached in ${ctx.where}: ${acting[0]?.evidence.explanation}${note}`,
    to: options.to,
    checks: options.checks,
    ...(options.shadowCheck === true && { shadow: true }),
  });
}
