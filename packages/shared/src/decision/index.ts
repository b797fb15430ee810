export type { CriterionOutcome, GuardrailOutcome } from './check.ts';
export type { BakeSchedule, CheckpointInput, CheckpointVerdict } from './checkpoint-verdict.ts';
export { checkpointVerdict } from './checkpoint-verdict.ts';
export type { CriterionJudgement } from './criterion.ts';
export { judgeCriterion } from './criterion.ts';
export type {
  Actor,
  Decision,
  DecisionOutcome,
  Effect,
  TransitionResult,
  WebhookType,
} from './decision.ts';
export { WEBHOOK_TYPES } from './decision.ts';
export type { DecisionKey, DecisionKind } from './decision-id.ts';
export { decisionId } from './decision-id.ts';
export type {
  BakeElapsedEvent,
  BaselineCompleteEvent,
  CheckpointEvent,
  EvaluationEvent,
  EventType,
  OperatorAction,
  OperatorEvent,
  RolloutEvent,
} from './events.ts';
export { EVENT_TYPES, OPERATOR_ACTIONS } from './events.ts';
export type { CheckEvidence } from './evidence.ts';
export type { StatsReading } from './from-stats.ts';
export { measurementFromStats } from './from-stats.ts';
export type { GuardrailJudgement } from './guardrail.ts';
export { judgeGuardrail } from './guardrail.ts';
export type { AllowedAsWritten, AppliedLimit, BoundKind, Placement } from './limit.ts';
export {
  allowedAsWritten,
  appliedLimit,
  boundOf,
  describeAllowed,
  limitAsWritten,
  placeInAllowed,
} from './limit.ts';
export type {
  CohortMeasurement,
  DifferenceEstimate,
  Interval,
  Measurement,
  MeasurementWindow,
  Reference,
} from './measurement.ts';
export { rolloutOncall, withOncall } from './oncall.ts';
export { actionsFor } from './operator-actions.ts';
export type { JudgedBy } from './placement.ts';
export { declaredJudgedBy } from './placement.ts';
export type { ReferenceChoice } from './reference.ts';
export { referenceFor } from './reference.ts';
export type { GuardrailState, PauseRecord, Phase, RolloutState, WaveRecord } from './state.ts';
export { initialState, PHASES, TERMINAL_PHASES } from './state.ts';
export type { TrailingWindow } from './trailing-window.ts';
export { restartConfidence, trailingWindow } from './trailing-window.ts';
export { transition } from './transition.ts';
export { comparedQuantity, evidenceUrl, webhookEvent, webhookReason } from './webhook-event.ts';
