import type { DecisionKind } from './decision-id.ts';
import type { CheckEvidence } from './evidence.ts';
import type { Phase, RolloutState } from './state.ts';

/** The webhook types of PRODUCT.md §3. */
export const WEBHOOK_TYPES = [
  'rollout.rollback',
  'rollout.verdict',
  'rollout.advance',
  'rollout.alert',
  'rollout.paused',
  'rollout.completed',
  'rollout.resolved',
] as const;
export type WebhookType = (typeof WEBHOOK_TYPES)[number];

export type Actor = { readonly type: 'operator'; readonly name: string } | { readonly type: 'system' };

/**
 * What was decided, with its evidence. `outcome` is the word a receiver reads in the webhook's `verdict`:
 * `rollback`, `go`, `no-go`, `inconclusive`, `advance`, `alert`, `paused`, `completed`, `resolved`, `started`,
 * `resumed`, `aborted`.
 */
export type DecisionOutcome =
  | 'rollback'
  | 'go'
  | 'no-go'
  | 'inconclusive'
  | 'advance'
  | 'alert'
  | 'paused'
  | 'completed'
  | 'resolved'
  | 'started'
  | 'resumed'
  | 'aborted';

export interface Decision {
  /** Deterministic; see decision-id.ts. The webhook's `webhook-id`. */
  readonly id: string;
  readonly kind: DecisionKind;
  readonly outcome: DecisionOutcome;
  readonly rollout: string;
  readonly flag: string;
  readonly specVersion: number;
  /** The wave the decision concerns (for `advance`, the wave being started); null before wave 1. */
  readonly wave: { readonly index: number; readonly percent: number } | null;
  readonly actor: Actor;
  /** One or two sentences a person can act on. */
  readonly reason: string;
  /** Epoch milliseconds. */
  readonly at: number;
  readonly phase: { readonly from: Phase; readonly to: Phase };
  /** Every check that bore on the decision, with its numbers. */
  readonly checks: readonly CheckEvidence[];
  /**
   * Taken in shadow mode (the rollout's `mode: shadow`, or a shadow check acting): recorded as for real, but
   * it turned no flag and moved no wave. Decisions stored before shadow mode existed lack it (read: false).
   */
  readonly shadow: boolean;
  /** The rollout's owner and runbook when it was taken, if the spec declared them (each check carries its own). */
  readonly owner?: string;
  readonly runbook?: string;
}

/** What the evaluator must do after a transition, in order. */
export type Effect =
  /** Append the decision to the audit log and, when `webhook` is set, deliver it to the spec's actions. */
  | { readonly type: 'decision'; readonly webhook: WebhookType | null; readonly decision: Decision }
  /**
   * Fire `event` at `at` (a delayed job). `jobId` is deterministic, so scheduling twice is harmless; an
   * earlier job for the same wave that fires too soon is refused by the state machine.
   */
  | {
      readonly type: 'schedule';
      readonly event: 'baseline-complete' | 'bake-elapsed';
      readonly at: number;
      /** The wave the timer belongs to; 0 for the baseline. */
      readonly wave: number;
      readonly jobId: string;
    }
  /** Measure the success criteria of the current wave now and send a `checkpoint` event. */
  | { readonly type: 'evaluate-checkpoint'; readonly wave: number }
  /** The rollout ended: drop its delayed jobs and stop evaluating it. */
  | { readonly type: 'stop' };

export type TransitionResult =
  | { readonly ok: true; readonly state: RolloutState; readonly effects: readonly Effect[] }
  | { readonly ok: false; readonly reason: string };
