export * from './active-view.ts';
export { type AmendInput, amendedState, amendment } from './amend-running.ts';
export { type AuditDraft, actorOf, decisionsOf, positionOf, worthAuditing } from './audit-entry.ts';
export {
  AUDIT_SCAN_LIMIT,
  type AuditLogEntry,
  type AuditPage,
  type AuditQuery,
  DEFAULT_AUDIT_RETENTION_MS,
  isAuditCursor,
} from './audit-log.ts';
export * from './bucket-compaction.ts';
export * from './buckets.ts';
export * from './buckets-read.ts';
export * from './buckets-stats.ts';
export {
  createDeliveryLog,
  DEFAULT_DELIVERY_RETENTION_MS,
  type DeliveryAttempt,
  type DeliveryLog,
  type DeliveryLogOptions,
  type DeliveryRecord,
  type DeliveryStatus,
  FINAL_STATUSES,
  rolloutDeliveriesKey,
  type TrimOptions,
} from './delivery-log.ts';
export { type LuaScript, luaScript, type RedisConnection, runScript } from './lua-script.ts';
export { isOperatorAction, operate, UnknownActionError } from './operate.ts';
export type {
  AuditEntry,
  AuditKind,
  DeliveryEntry,
  OutboxEntry,
  Position,
  ScheduleEntry,
  StoredSpec,
  StoredState,
} from './records.ts';
export {
  type RemovalInput,
  type RemovalMode,
  type RemovalResult,
  removeRollout,
} from './remove-rollout.ts';
export {
  DEFAULT_RETENTION,
  type RetentionPolicy,
  type RetentionTrimmed,
  trimRetention,
  trimSeriesStates,
} from './retention.ts';
export {
  type ApplyContext,
  type ApplyResult,
  ContentionError,
  createRolloutStore,
  type EventSource,
  type PutSpecInput,
  type RolloutStore,
  type RolloutStoreOptions,
  UnknownRolloutError,
} from './rollout-store.ts';
export { deliveryId, outboxEntries, routes } from './routing.ts';
export { absoluteMeasurement, tableBucket, testSpec } from './test-rollouts.ts';
