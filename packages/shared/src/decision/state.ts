import type { RolloutSpec } from '@rollout-guard/shared/spec';
import type { GuardrailOutcome } from './check.ts';
import type { CheckEvidence } from './evidence.ts';

/** Every phase of PRODUCT.md §1 "Rollout phases". */
export const PHASES = [
  'pending',
  'baseline',
  'wave',
  'checkpoint',
  'awaiting-approval',
  'paused',
  'completed',
  'rolled-back',
  'aborted',
] as const;
export type Phase = (typeof PHASES)[number];

export const TERMINAL_PHASES: readonly Phase[] = ['completed', 'rolled-back', 'aborted'];

export interface GuardrailState {
  /** Evaluations in a row found outside `allowed`. */
  readonly consecutive: number;
  readonly outcome: GuardrailOutcome | 'not-evaluated';
  readonly evidence: CheckEvidence | null;
}

/** One wave as it ran; the evaluator reads the previous wave's span for its control data at 100%. */
export interface WaveRecord {
  readonly index: number;
  readonly percent: number;
  readonly startedAt: number;
  readonly endedAt: number | null;
}

export interface PauseRecord {
  /** The phase to return to on resume. */
  readonly from: Phase;
  readonly at: number;
  /** `no-go`: a checkpoint said no-go; resuming starts a fresh bake of the same wave. */
  readonly cause: 'operator' | 'guardrail' | 'no-go';
}

export interface RolloutState {
  /** The spec the rollout runs by, defaults applied; it keeps judging by the version it started with. */
  readonly spec: RolloutSpec;
  readonly specVersion: number;
  readonly phase: Phase;
  /** 1-based index of the current wave; 0 before wave 1. */
  readonly wave: number;
  /**
   * When the phase's timer fires: the end of the baseline window, or the wave's checkpoint. Pauses push it
   * back by their length, inconclusive checkpoints by `extend`.
   */
  readonly deadline: number | null;
  /** Start of the current bake (the wave's start, or the resume after a no-go). */
  readonly bakeStartedAt: number | null;
  /** The bake the wave must serve, extensions included. */
  readonly bakeMs: number;
  /** Time spent paused during the current bake; it does not count as bake. */
  readonly pausedMs: number;
  readonly paused: PauseRecord | null;
  readonly guardrails: Readonly<Record<string, GuardrailState>>;
  /** Decisions made so far in this wave, by `kind:subject`; the ordinal of the next decision id. */
  readonly ordinals: Readonly<Record<string, number>>;
  readonly history: readonly WaveRecord[];
  /** When the rollout reached a terminal phase. */
  readonly endedAt: number | null;
}

function freshGuardrails(spec: RolloutSpec): Record<string, GuardrailState> {
  return Object.fromEntries(
    spec.spec.guardrails.map((g) => [g.name, { consecutive: 0, outcome: 'not-evaluated', evidence: null }]),
  );
}

export function initialState(spec: RolloutSpec, specVersion: number): RolloutState {
  return {
    spec,
    specVersion,
    phase: 'pending',
    wave: 0,
    deadline: null,
    bakeStartedAt: null,
    bakeMs: 0,
    pausedMs: 0,
    paused: null,
    guardrails: freshGuardrails(spec),
    ordinals: {},
    history: [],
    endedAt: null,
  };
}

/** Guardrail counters start afresh in each wave: a wave is judged on its own data. */
export function resetGuardrails(spec: RolloutSpec): Record<string, GuardrailState> {
  return freshGuardrails(spec);
}
