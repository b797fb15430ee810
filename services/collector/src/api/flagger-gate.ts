import type { Decision, RolloutState } from '@rollout-guard/shared/decision';
import { type WaveVerdict, waveVerdict } from './wave-verdict.ts';

/** The Flagger webhook types rollout-guard answers (Flagger's `analysis.webhooks[].type`). */
export const FLAGGER_HOOKS = [
  'confirm-rollout',
  'confirm-traffic-increase',
  'confirm-promotion',
  'rollback',
] as const;
export type FlaggerHook = (typeof FLAGGER_HOOKS)[number];

export interface GateAnswer {
  /** 200 (Flagger goes on, or rolls back for the `rollback` hook) or not (Flagger waits and asks again). */
  readonly open: boolean;
  /** The gate opens by approving the next wave: the rollout awaits approval after a go. */
  readonly approve: boolean;
  /** The verdict the answer rests on. */
  readonly verdict: WaveVerdict;
  readonly reason: string;
}

const STOPPED = ['rolled-back', 'aborted'];

/**
 * How a Flagger hook maps to the rollout (pure; the route applies the approval and counts the steps).
 *
 * Flagger shifts traffic one step per `confirm-traffic-increase` and promotes after `confirm-promotion`;
 * rollout-guard's wave N is Flagger's step N, and promotion is the wave after the last step. So a traffic
 * step (or the promotion) after `steps` granted steps leads into wave `steps + 1`:
 * - the first step opens once the rollout is in wave 1 (an operator started it);
 * - a later step opens on wave `steps`'s `go`: when the rollout awaits approval the gate approves the next
 *   wave, with `approval: auto` it is already there; then the next step waits for that wave's go;
 * - a completed rollout opens every gate.
 * The route counts at most one step per wave, so calls after the last one open without counting.
 * `confirm-rollout` opens once the rollout is in a wave and nothing stopped it; `rollback` opens (Flagger
 * rolls back) once rollout-guard rolled the rollout back.
 */
export function flaggerGate(
  hook: FlaggerHook,
  state: RolloutState,
  decisions: readonly Decision[],
  steps: number,
): GateAnswer {
  const waves = state.spec.spec.waves.length;
  const current = waveVerdict(state, decisions, Math.min(waves, Math.max(1, state.wave)));
  if (hook === 'rollback') {
    const open = state.phase === 'rolled-back';
    const reason = open
      ? `rollout-guard rolled back: ${current.reason}`
      : `not rolled back: ${state.phase}, ${current.reason}`;
    return { open, approve: false, verdict: current, reason };
  }
  if (STOPPED.includes(state.phase)) {
    return {
      open: false,
      approve: false,
      verdict: current,
      reason: `the rollout is ${state.phase}: ${current.reason}`,
    };
  }
  if (hook === 'confirm-rollout') {
    const open = state.wave >= 1 && state.phase !== 'paused';
    const reason = open
      ? `the rollout is guarding wave ${state.wave}`
      : state.phase === 'pending' || state.phase === 'baseline'
        ? `the rollout has not begun wave 1 (${state.phase}); start it with POST /api/v1/rollouts/${state.spec.metadata.name}/start`
        : current.reason;
    return { open, approve: false, verdict: current, reason };
  }
  if (state.phase === 'completed') {
    return {
      open: true,
      approve: false,
      verdict: current,
      reason: 'the rollout completed: every wave said go',
    };
  }
  const into = steps + 1;
  if (into > waves) {
    return {
      open: true,
      approve: false,
      verdict: current,
      reason: `every wave was granted (${steps} steps)`,
    };
  }
  if (steps === 0) {
    const open = state.wave >= 1 && state.phase !== 'paused';
    return {
      open,
      approve: false,
      verdict: current,
      reason: open ? 'wave 1 has begun' : `wave 1 has not begun: ${current.reason}`,
    };
  }
  const before = waveVerdict(state, decisions, steps);
  if (state.wave >= into && state.phase !== 'paused') {
    return {
      open: true,
      approve: false,
      verdict: before,
      reason: `wave ${steps} said go; wave ${into} has begun`,
    };
  }
  if (state.wave === steps && state.phase === 'awaiting-approval') {
    return {
      open: true,
      approve: true,
      verdict: before,
      reason: `wave ${steps} said go; approving wave ${into}`,
    };
  }
  return {
    open: false,
    approve: false,
    verdict: before,
    reason: `waiting for wave ${steps}'s go: ${before.reason}`,
  };
}
