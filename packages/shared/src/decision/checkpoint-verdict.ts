import type { CriterionOutcome } from './check.ts';

/** A wave's bake and how far an inconclusive checkpoint may stretch it, in milliseconds. */
export interface BakeSchedule {
  readonly bakeMs: number;
  /** Added to the bake after an inconclusive checkpoint (default half the bake). */
  readonly extendMs: number;
  /** The bake never grows past this (default twice the bake); an inconclusive checkpoint there is a no-go. */
  readonly maxBakeMs: number;
}

export type CheckpointVerdict =
  | { readonly verdict: 'go'; readonly why: string }
  | { readonly verdict: 'no-go'; readonly cause: 'criterion-failed' | 'max-bake'; readonly why: string }
  | { readonly verdict: 'inconclusive'; readonly nextBakeMs: number; readonly why: string };

export interface CheckpointInput {
  readonly criteria: readonly { readonly check: string; readonly outcome: CriterionOutcome }[];
  /** Names of guardrails breached at the checkpoint. */
  readonly breachedGuardrails: readonly string[];
  /** The bake the wave has served so far, extensions included. */
  readonly currentBakeMs: number;
  readonly schedule: BakeSchedule;
}

/**
 * PRODUCT.md §1: go if every criterion passes and no guardrail is breached; no-go if any criterion fails;
 * otherwise inconclusive, and the bake extends by `extend` up to `maxBake`, then no-go.
 */
export function checkpointVerdict(input: CheckpointInput): CheckpointVerdict {
  const failed = input.criteria.filter((c) => c.outcome === 'fail').map((c) => c.check);
  if (failed.length > 0) {
    return { verdict: 'no-go', cause: 'criterion-failed', why: `failed: ${failed.join(', ')}` };
  }
  const open = input.criteria.filter((c) => c.outcome !== 'pass').map((c) => c.check);
  if (open.length === 0 && input.breachedGuardrails.length === 0) {
    return {
      verdict: 'go',
      why:
        input.criteria.length === 0
          ? 'no success criteria declared and no guardrail breached'
          : 'every success criterion passed and no guardrail is breached',
    };
  }
  const pending = [
    ...(open.length > 0 ? [`inconclusive: ${open.join(', ')}`] : []),
    ...(input.breachedGuardrails.length > 0 ? [`breached: ${input.breachedGuardrails.join(', ')}`] : []),
  ].join('; ');
  const { extendMs, maxBakeMs } = input.schedule;
  // A zero extension would re-run the same checkpoint forever.
  if (input.currentBakeMs >= maxBakeMs || extendMs <= 0) {
    return { verdict: 'no-go', cause: 'max-bake', why: `${pending}; the bake reached its maximum` };
  }
  const nextBakeMs = Math.min(input.currentBakeMs + extendMs, maxBakeMs);
  return { verdict: 'inconclusive', nextBakeMs, why: `${pending}; the bake extends` };
}
