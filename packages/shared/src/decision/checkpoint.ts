import { formatDuration } from '@rollout-guard/shared/spec';
import { checkpointVerdict } from './checkpoint-verdict.ts';
import { judgeCriterion } from './criterion.ts';
import { addDecision, type Draft, isShadowRollout, SYSTEM } from './draft.ts';
import { isShadowCheck, markShadow } from './evaluation.ts';
import type { CheckpointEvent } from './events.ts';
import type { CheckEvidence } from './evidence.ts';
import { resolveOpen } from './resolution.ts';
import type { RolloutState } from './state.ts';
import { endRollout, enterWave, scheduleBake } from './wave-flow.ts';

/**
 * Judges the success criteria at a wave's checkpoint and acts on the verdict:
 * - go: the next wave (approval `auto`), `awaiting-approval` (manual), or `completed` after the last wave;
 * - inconclusive: back to baking, the checkpoint moved by `extend` (capped at `maxBake`);
 * - no-go: the rollout holds at its wave, paused; resume starts a fresh bake, rollback turns the flag off.
 *   A shadow rollout records the no-go but does not pause: nothing acts on a shadow rollout, and it keeps
 *   being judged — the wave bakes again from now, as a resume would start it, to its next checkpoint.
 */
export function applyCheckpoint(
  state: RolloutState,
  draft: Draft,
  event: CheckpointEvent,
  now: number,
): RolloutState {
  const wavePlan = state.spec.spec.waves[state.wave - 1];
  if (wavePlan === undefined)
    throw new RangeError(`wave ${state.wave} does not exist in ${state.spec.metadata.name}`);
  const judged = state.spec.spec.successCriteria.map((rule) => {
    const judgement = judgeCriterion(rule, wavePlan, event.measurements[rule.name]);
    return { rule, check: rule.name, ...judgement, evidence: markShadow(rule, judgement.evidence) };
  });
  // Shadow checks are judged and shown, but the verdict is the enforcing checks' alone.
  const criteria = judged.filter((c) => !isShadowCheck(c.rule));
  const shadowCriteria = judged.filter((c) => isShadowCheck(c.rule));
  const breachedRules = state.spec.spec.guardrails.filter(
    (g) => state.guardrails[g.name]?.outcome === 'breached',
  );
  const breached = breachedRules.filter((g) => !isShadowCheck(g));
  const verdict = checkpointVerdict({
    criteria,
    breachedGuardrails: breached.map((g) => g.name),
    currentBakeMs: state.bakeMs,
    schedule: { bakeMs: wavePlan.bake.ms, extendMs: wavePlan.extend.ms, maxBakeMs: wavePlan.maxBake.ms },
  });
  const checks: CheckEvidence[] = [
    ...judged.map((c) => c.evidence),
    ...breachedRules.flatMap((g) => {
      const evidence = state.guardrails[g.name]?.evidence;
      return evidence ? [evidence] : [];
    }),
  ];
  const shadowNote =
    shadowCriteria.length === 0
      ? ''
      : ` (shadow checks, not counted: ${shadowCriteria.map((c) => `${c.check} ${c.outcome}`).join(', ')})`;
  const where = `wave ${state.wave} (${wavePlan.percent}%)`;
  const isLast = state.wave === state.spec.spec.waves.length;

  if (verdict.verdict === 'go') {
    const to = isLast ? 'completed' : state.spec.spec.approval === 'auto' ? 'wave' : 'awaiting-approval';
    addDecision(draft, state, now, {
      kind: 'verdict',
      subject: 'checkpoint',
      outcome: 'go',
      webhook: 'rollout.verdict',
      wave: state.wave,
      actor: SYSTEM,
      reason: `go for ${where}: ${verdict.why}${shadowNote}${to === 'awaiting-approval' ? '; waiting for an operator to approve the next wave' : ''}`,
      to,
      checks,
    });
    if (isLast) {
      // A go leaves no enforcing guardrail breached, but a shadow check's alert may still be open.
      resolveOpen(state, draft, now, SYSTEM, 'the rollout completed', 'completed');
      addDecision(draft, state, now, {
        kind: 'completed',
        subject: 'rollout',
        outcome: 'completed',
        webhook: 'rollout.completed',
        wave: state.wave,
        actor: SYSTEM,
        reason: `the last wave (${wavePlan.percent}%) passed its checkpoint; the rollout is complete`,
        to: 'completed',
      });
      return endRollout(state, draft, 'completed', now);
    }
    if (state.spec.spec.approval === 'auto') {
      return enterWave(state, draft, state.wave + 1, now, SYSTEM, `${where} went go and approval is auto`);
    }
    return { ...state, phase: 'awaiting-approval', deadline: null };
  }

  if (verdict.verdict === 'inconclusive') {
    const deadline = (state.bakeStartedAt ?? now) + state.pausedMs + verdict.nextBakeMs;
    addDecision(draft, state, now, {
      kind: 'verdict',
      subject: 'checkpoint',
      outcome: 'inconclusive',
      webhook: 'rollout.verdict',
      wave: state.wave,
      actor: SYSTEM,
      reason: `inconclusive for ${where}: ${verdict.why} to ${formatDuration(verdict.nextBakeMs)} (at most ${formatDuration(wavePlan.maxBake.ms)})${shadowNote}; next checkpoint at ${new Date(deadline).toISOString()}`,
      to: 'wave',
      checks,
    });
    scheduleBake(state, draft, state.wave, deadline);
    return { ...state, phase: 'wave', bakeMs: verdict.nextBakeMs, deadline };
  }

  const shadow = isShadowRollout(state);
  const bakeAgainUntil = now + wavePlan.bake.ms;
  addDecision(draft, state, now, {
    kind: 'verdict',
    subject: 'checkpoint',
    outcome: 'no-go',
    webhook: 'rollout.verdict',
    wave: state.wave,
    actor: SYSTEM,
    reason: `no-go for ${where}: ${verdict.why}${shadowNote}; ${
      shadow
        ? `the rollout is in shadow mode, so nothing acted and it is still judged: wave ${state.wave} bakes again until ${new Date(bakeAgainUntil).toISOString()}`
        : `the rollout holds at ${wavePlan.percent}% — resume re-bakes the wave, rollback turns the flag off, abort stops watching`
    }`,
    to: shadow ? 'wave' : 'paused',
    checks,
  });
  if (shadow) {
    scheduleBake(state, draft, state.wave, bakeAgainUntil);
    return {
      ...state,
      phase: 'wave',
      bakeStartedAt: now,
      bakeMs: wavePlan.bake.ms,
      pausedMs: 0,
      deadline: bakeAgainUntil,
    };
  }
  return { ...state, phase: 'paused', deadline: null, paused: { from: 'wave', at: now, cause: 'no-go' } };
}
