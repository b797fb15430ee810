import type { Decision, RolloutState } from '@rollout-guard/shared/decision';
import { z } from 'zod';

/**
 * The verdict of one wave, in the words a progressive-delivery controller acts on:
 * - `go`: the wave's checkpoint said go (the rollout awaits approval, went on to the next wave, or completed);
 * - `no-go`: the checkpoint said no-go (paused at the wave until an operator resumes or rolls back);
 * - `inconclusive`: the checkpoint could not decide yet and extended the bake;
 * - `pending`: no checkpoint yet (baking, waiting for its baseline, or not started);
 * - `paused`: an operator or a pause guardrail paused the rollout before its checkpoint;
 * - `rollback`: rollout-guard rolled the rollout back (a guardrail, or an operator);
 * - `aborted`: an operator ended the rollout without a verdict; nothing guards it any more.
 */
export const VERDICT_WORDS = [
  'go',
  'no-go',
  'inconclusive',
  'pending',
  'paused',
  'rollback',
  'aborted',
] as const;
export const VerdictWord = z.enum(VERDICT_WORDS);
export type VerdictWord = z.infer<typeof VerdictWord>;

export interface WaveVerdict {
  readonly wave: { readonly index: number; readonly percent: number };
  readonly verdict: VerdictWord;
  /** One sentence: why this verdict, in the rollout's own terms. */
  readonly reason: string;
  /** The decision the verdict comes from (a checkpoint verdict, a rollback, an abort), when there is one. */
  readonly decision: Decision | null;
}

function percentLabel(state: RolloutState, index: number): string {
  return `wave ${index} (${state.spec.spec.waves[index - 1]?.percent ?? '?'}%)`;
}

/** The newest decision of `kind` that belongs to wave `index` of the current run of the rollout. */
function newestOf(
  state: RolloutState,
  decisions: readonly Decision[],
  index: number,
  kinds: readonly string[],
): Decision | null {
  const startedAt =
    state.history.find((w) => w.index === index)?.startedAt ?? state.history[0]?.startedAt ?? 0;
  return (
    decisions
      .filter((d) => kinds.includes(d.kind) && d.at >= startedAt && (d.wave?.index ?? index) === index)
      .sort((a, b) => b.at - a.at)[0] ?? null
  );
}

/**
 * The verdict of wave `index` (1-based) from the rollout's state and its recent decisions. Pure: the
 * verdict route and the Flagger hooks share it, and a controller asking about a wave the rollout has already
 * left (it went on after a go) still gets that wave's `go`.
 */
export function waveVerdict(state: RolloutState, decisions: readonly Decision[], index: number): WaveVerdict {
  const percent = state.spec.spec.waves[index - 1]?.percent ?? 0;
  const wave = { index, percent };
  const label = percentLabel(state, index);
  const current = state.wave > 0 ? percentLabel(state, state.wave) : 'no wave yet';
  if (state.phase === 'rolled-back') {
    const decision = newestOf(state, decisions, state.wave, ['rollback']);
    return { wave, verdict: 'rollback', reason: decision?.reason ?? `rolled back in ${current}`, decision };
  }
  if (state.phase === 'aborted') {
    const decision = newestOf(state, decisions, state.wave, ['aborted']);
    return {
      wave,
      verdict: 'aborted',
      reason: `aborted in ${current}; nothing guards this rollout any more${decision === null ? '' : `: ${decision.reason}`}`,
      decision,
    };
  }
  const verdicts = newestOf(state, decisions, index, ['verdict']);
  if (state.phase === 'completed' || state.wave > index) {
    return {
      wave,
      verdict: 'go',
      reason: verdicts?.reason ?? `${label} passed its checkpoint`,
      decision: verdicts,
    };
  }
  if (state.wave < index) {
    const where = state.phase === 'pending' ? 'has not started' : `is in ${state.phase}, ${current}`;
    return {
      wave,
      verdict: 'pending',
      reason: `${label} has not begun: the rollout ${where}`,
      decision: null,
    };
  }
  if (state.phase === 'awaiting-approval') {
    return {
      wave,
      verdict: 'go',
      reason: verdicts?.reason ?? `${label} passed its checkpoint`,
      decision: verdicts,
    };
  }
  if (state.phase === 'paused') {
    if (state.paused?.cause === 'no-go') {
      return {
        wave,
        verdict: 'no-go',
        reason: verdicts?.reason ?? `${label} failed its checkpoint`,
        decision: verdicts,
      };
    }
    return {
      wave,
      verdict: 'paused',
      reason: `${label} is paused (${state.paused?.cause ?? 'operator'}) before its checkpoint`,
      decision: null,
    };
  }
  if (verdicts?.outcome === 'inconclusive') {
    return { wave, verdict: 'inconclusive', reason: verdicts.reason, decision: verdicts };
  }
  const until = state.deadline === null ? '' : ` until ${new Date(state.deadline).toISOString()}`;
  return {
    wave,
    verdict: 'pending',
    reason: `${label} is baking${until}; no checkpoint yet`,
    decision: null,
  };
}
