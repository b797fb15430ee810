import { createHash } from 'node:crypto';

/** What a decision is about. Each kind maps to at most one webhook type. */
export type DecisionKind =
  | 'rollback'
  | 'verdict'
  | 'advance'
  | 'alert'
  | 'paused'
  | 'completed'
  | 'resolved'
  | 'started'
  | 'resumed'
  | 'approved'
  | 'aborted';

/**
 * The identity of a decision. Everything here comes from the rollout state *before* the event, never from the
 * clock or the measured numbers, so an evaluation retried against the same state yields the same id (receivers
 * deduplicate on it), while the same kind of decision in another wave, another spec version or a later
 * episode gets a new one.
 */
export interface DecisionKey {
  readonly rollout: string;
  readonly specVersion: number;
  /** 1-based wave the decision belongs to; 0 before wave 1 (pending, baseline). */
  readonly wave: number;
  readonly kind: DecisionKind;
  /** What within the wave it is about: a check name, `checkpoint`, an operator action … */
  readonly subject: string;
  /** How many decisions with the same kind and subject this wave already made (0 for the first). */
  readonly ordinal: number;
}

/** `dec_` + 32 hex characters (128 bits) of SHA-256 over the key's fields, JSON-encoded so no field can bleed into another. */
export function decisionId(key: DecisionKey): string {
  const canonical = JSON.stringify([
    'rollout-guard/decision/v1',
    key.rollout,
    key.specVersion,
    key.wave,
    key.kind,
    key.subject,
    key.ordinal,
  ]);
  return `dec_${createHash('sha256').update(canonical).digest('hex').slice(0, 32)}`;
}
