import type { Decision, WebhookType } from '../decision/decision.ts';
import { globalKeys } from '../redis/keys.ts';
import { listActive, syncActiveView } from './active-sync.ts';
import type { ActiveRollout } from './active-view.ts';
import type { AuditDraft } from './audit-entry.ts';
import {
  type AuditPage,
  type AuditQuery,
  appendAudit,
  copyAudit,
  DEFAULT_AUDIT_RETENTION_MS,
  hasAuditLog,
  readAuditLog,
  trimAuditLog,
} from './audit-log.ts';
import {
  addSystemDecision,
  getDecision,
  listDecisions,
  listOutbox,
  readAudit,
  removeOutbox,
} from './decisions-outbox.ts';
import type { RedisConnection } from './lua-script.ts';
import type { AuditEntry, OutboxEntry, StoredSpec, StoredState } from './records.ts';
import {
  type ApplyContext,
  type ApplyResult,
  applyEvent,
  type EventSource,
  readRollout,
  readState,
} from './rollout-state.ts';
import { cachedSpecReader, listSpecVersions, type PutSpecInput, putSpec } from './spec-versions.ts';
import type { StoreContext } from './store-context.ts';

// The store's parts, by responsibility: spec versions (spec-versions.ts), state and its transitions
// (rollout-state.ts), decisions, audit and outbox (decisions-outbox.ts), the collectors' view
// (active-sync.ts). This file joins them into the one object its users hold.
export type { ApplyContext, ApplyResult, EventSource } from './rollout-state.ts';
export type { PutSpecInput } from './spec-versions.ts';
export { ContentionError, UnknownRolloutError } from './store-errors.ts';

export interface RolloutStoreOptions {
  /** Compare-and-set attempts before `applyEvent` gives up on a rollout under heavy contention. */
  maxAttempts?: number;
  /** How long the audit log keeps an entry (default a year); `trimAuditLog` removes older ones. */
  auditRetentionMs?: number;
}

export interface RolloutStore {
  putSpec(input: PutSpecInput, now?: number): Promise<{ stored: StoredSpec; state: StoredState }>;
  getSpec(name: string, version?: number): Promise<StoredSpec | null>;
  listSpecVersions(name: string): Promise<Array<Omit<StoredSpec, 'spec' | 'source'>>>;
  listRollouts(): Promise<string[]>;
  /** Archived rollouts' names (out of `listRollouts`; readable by name). */
  listArchived(): Promise<string[]>;
  getState(name: string): Promise<StoredState | null>;
  /** The spec version the running state judges by, with the state. */
  getRollout(name: string): Promise<{ spec: StoredSpec; state: StoredState } | null>;
  applyEvent(name: string, event: EventSource, now?: number, context?: ApplyContext): Promise<ApplyResult>;
  /**
   * Records a decision that changes no state (an alert raised because a delivery gave up) with its audit
   * entry and deliveries, once per decision id. Returns the deliveries stored (none if it existed).
   */
  addSystemDecision(
    name: string,
    decision: Decision,
    webhook: WebhookType,
    now?: number,
  ): Promise<OutboxEntry[]>;
  /** The rollout's own audit stream, as written with its state (the log's source; read the log below). */
  readAudit(name: string, options?: { after?: string; limit?: number }): Promise<AuditEntry[]>;
  /** The audit log: one rollout's part or all rollouts', paged by cursor, filtered by kind and actor. */
  readAuditLog(query: AuditQuery): Promise<AuditPage>;
  /** Whether the log holds entries of `name`, which may have been deleted since. */
  hasAuditLog(name: string): Promise<boolean>;
  /** Copies the rollout's audit entries not yet in the log (after a crash between writing and copying). */
  copyAudit(name: string): Promise<number>;
  /** Records an entry that goes with no transition (a redelivery asked for) in the rollout's stream and the log. */
  appendAudit(name: string, draft: AuditDraft): Promise<void>;
  /** Removes audit entries older than the retention; returns how many left the log. */
  trimAuditLog(now?: number): Promise<number>;
  getDecision(name: string, id: string): Promise<Decision | null>;
  listDecisions(name: string, options?: { limit?: number }): Promise<Decision[]>;
  listOutbox(name: string): Promise<OutboxEntry[]>;
  removeOutbox(name: string, ids: readonly string[]): Promise<void>;
  /** Makes `rg:active` agree with the stored state and tells collectors; returns the view (null: inactive). */
  syncActive(name: string, known?: { spec: StoredSpec; state: StoredState }): Promise<ActiveRollout | null>;
  listActive(): Promise<ActiveRollout[]>;
}

export function createRolloutStore(redis: RedisConnection, options: RolloutStoreOptions = {}): RolloutStore {
  const getSpec = cachedSpecReader(redis);
  const getState = (name: string) => readState(redis, name);
  const getRollout = (name: string) => readRollout({ getSpec, getState }, name);
  const ctx: StoreContext = {
    redis,
    maxAttempts: options.maxAttempts ?? 20,
    getSpec,
    getState,
    async syncActive(name, known) {
      return syncActiveView(redis, name, known ?? (await getRollout(name)));
    },
  };

  return {
    putSpec: (input, now) => putSpec(ctx, input, now),
    getSpec,
    addSystemDecision: (name, decision, webhook, now) => addSystemDecision(ctx, name, decision, webhook, now),
    listSpecVersions: (name) => listSpecVersions(redis, name),
    async listRollouts() {
      return (await redis.smembers(globalKeys.rollouts)).sort();
    },
    async listArchived() {
      return (await redis.smembers(globalKeys.archived)).sort();
    },
    getState,
    getRollout,
    applyEvent: (name, source, now, context) => applyEvent(ctx, name, source, now, context),
    readAudit: (name, readOptions) => readAudit(redis, name, readOptions),
    readAuditLog: (query) => readAuditLog(redis, query),
    hasAuditLog: (name) => hasAuditLog(redis, name),
    copyAudit: (name) => copyAudit(redis, name),
    async appendAudit(name, draft) {
      const state = await getState(name);
      await appendAudit(redis, name, state?.rev ?? 0, draft);
    },
    trimAuditLog: (now = Date.now()) =>
      trimAuditLog(redis, { now, retentionMs: options.auditRetentionMs ?? DEFAULT_AUDIT_RETENTION_MS }),
    getDecision: (name, id) => getDecision(redis, name, id),
    listDecisions: (name, listOptions) => listDecisions(redis, name, listOptions),
    listOutbox: (name) => listOutbox(redis, name),
    removeOutbox: (name, ids) => removeOutbox(redis, name, ids),
    syncActive: ctx.syncActive,
    listActive: () => listActive(redis),
  };
}
