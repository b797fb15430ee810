import type { Decision, WebhookType } from '../decision/decision.ts';
import type { RolloutEvent } from '../decision/events.ts';
import type { Phase, RolloutState } from '../decision/state.ts';
import type { ActionName } from '../spec/index.ts';
import type { RolloutSpec } from '../spec/resolved.ts';

/** One stored version of a rollout's spec: parsed (defaults applied) and the text it came from. */
export interface StoredSpec {
  readonly version: number;
  readonly spec: RolloutSpec;
  readonly source: string;
  readonly contentType: string;
  readonly createdAt: number;
  readonly actor: string;
}

/** The decision core's state with the counter the compare-and-set checks. */
export interface StoredState {
  readonly rev: number;
  readonly updatedAt: number;
  readonly state: RolloutState;
}

/** Where a rollout stands, in the words of the audit log and the collector's matcher. */
export interface Position {
  readonly phase: Phase;
  readonly wave: number;
}

/** `redelivery`: an operator asked for a delivery again (no transition; see `appendAudit`). */
export type AuditKind = 'created' | 'spec' | 'transition' | 'refused' | 'redelivery' | 'archived' | 'deleted';

/** One line of the append-only audit log of a rollout. */
export interface AuditEntry {
  /** The stream id (`<ms>-<seq>`): the log's own order. */
  readonly id: string;
  /** The state rev this entry produced (for `refused` and `redelivery`, the rev it was asked against). */
  readonly rev: number;
  readonly at: number;
  readonly kind: AuditKind;
  /** Who: an operator's name, or `system` for the evaluator. */
  readonly actor: string;
  readonly specVersion: number;
  /** The event as it arrived, with its inputs (an evaluation's measurements, an operator's reason). */
  readonly event:
    | RolloutEvent
    | { readonly type: 'spec-stored'; readonly version: number; readonly note: string }
    | { readonly type: 'system-decision'; readonly kind: string; readonly reason: string }
    | {
        readonly type: 'redeliver';
        readonly actor: string;
        readonly delivery: string;
        readonly reason?: string;
      }
    | { readonly type: 'rollout-archived' | 'rollout-deleted'; readonly reason?: string };
  readonly from: Position | null;
  readonly to: Position | null;
  /** Ids of the decisions taken (their evidence is in the decision records). */
  readonly decisions: readonly string[];
  /** Ids of the webhook deliveries it caused (the delivery log's ids); absent in entries written before. */
  readonly deliveries?: readonly string[];
  /** Refused: why. Otherwise a one-line summary. */
  readonly summary: string;
}

/** Which list of `spec.actions` a webhook type goes to. */
export type ActionList = ActionName;

/** One webhook to one target, waiting in the outbox until its deliver job has been enqueued. */
export interface DeliveryEntry {
  readonly kind: 'deliver';
  /** `<decisionId>.<action>.<targetIndex>`; also the delivery log's id and (sanitised) the job id. */
  readonly id: string;
  readonly rollout: string;
  readonly decisionId: string;
  readonly webhook: WebhookType;
  readonly action: ActionList;
  readonly targetIndex: number;
  readonly specVersion: number;
  readonly createdAt: number;
  /** When the data that led to the decision was ingested, if known: breach → webhook latency starts here. */
  readonly triggeredAt?: number;
}

/** A delayed job the transition asked for, kept in the outbox so a crash cannot lose it. */
export interface ScheduleEntry {
  readonly kind: 'schedule';
  /** The decision core's deterministic job id. */
  readonly id: string;
  readonly rollout: string;
  readonly event: 'baseline-complete' | 'bake-elapsed';
  readonly at: number;
  readonly wave: number;
  readonly createdAt: number;
}

export type OutboxEntry = DeliveryEntry | ScheduleEntry;

export type { Decision };
