import type { Measurement } from './measurement.ts';

export const OPERATOR_ACTIONS = ['start', 'pause', 'resume', 'approve', 'abort', 'rollback'] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

export const EVENT_TYPES = [
  ...OPERATOR_ACTIONS,
  'evaluation',
  'baseline-complete',
  'bake-elapsed',
  'checkpoint',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** An operator's action from the API or CLI; `actor` is who, as the auth layer knows them. */
export interface OperatorEvent {
  readonly type: OperatorAction;
  readonly actor: string;
  readonly reason?: string;
}

/** One evaluation of the guardrails: a measurement per guardrail name; a missing name means no data. */
export interface EvaluationEvent {
  readonly type: 'evaluation';
  readonly measurements: Readonly<Record<string, Measurement>>;
}

/** The baseline window's timer fired. */
export interface BaselineCompleteEvent {
  readonly type: 'baseline-complete';
}

/** The wave's checkpoint timer fired. A stale timer (the deadline moved) is refused. */
export interface BakeElapsedEvent {
  readonly type: 'bake-elapsed';
}

/** The success criteria measured at the checkpoint: a measurement per criterion name. */
export interface CheckpointEvent {
  readonly type: 'checkpoint';
  readonly measurements: Readonly<Record<string, Measurement>>;
}

export type RolloutEvent =
  | OperatorEvent
  | EvaluationEvent
  | BaselineCompleteEvent
  | BakeElapsedEvent
  | CheckpointEvent;
