import type { Decision, Effect, WebhookType } from '../decision/decision.ts';
import type { RolloutEvent } from '../decision/events.ts';
import { initialState, type RolloutState, TERMINAL_PHASES } from '../decision/state.ts';
import { transition } from '../decision/transition.ts';
import { globalKeys, rolloutKeys } from '../redis/keys.ts';
import type { RolloutSpec } from '../spec/resolved.ts';
import { type ActiveRollout, activeView } from './active-view.ts';
import {
  type AuditDraft,
  decisionsOf,
  positionOf,
  refusedAudit,
  transitionAudit,
  worthAuditing,
} from './audit-entry.ts';
import { luaScript, type RedisConnection, runScript } from './lua-script.ts';
import type { AuditEntry, OutboxEntry, StoredSpec, StoredState } from './records.ts';
import { outboxEntries } from './routing.ts';

const applyTransitionScript = luaScript(
  'apply-transition',
  new URL('./apply-transition.lua', import.meta.url),
);
const putSpecScript = luaScript('put-spec', new URL('./put-spec.lua', import.meta.url));
const addDecisionScript = luaScript('add-decision', new URL('./add-decision.lua', import.meta.url));

export interface RolloutStoreOptions {
  /** Compare-and-set attempts before `applyEvent` gives up on a rollout under heavy contention. */
  maxAttempts?: number;
}

export interface PutSpecInput {
  readonly spec: RolloutSpec;
  readonly source: string;
  readonly contentType: string;
  readonly actor: string;
}

/** The event to apply, or a function that builds it from the state just read (null: nothing to apply). */
export type EventSource =
  | RolloutEvent
  | ((current: StoredState) => Promise<RolloutEvent | null> | RolloutEvent | null);

export interface ApplyContext {
  /** When the data behind this event was ingested: carried into deliveries for breach → webhook latency. */
  readonly triggeredAt?: number;
  /** The state as the caller just read it: used for the first attempt instead of reading it again. */
  readonly current?: StoredState;
}

export type ApplyResult =
  | {
      readonly ok: true;
      readonly rev: number;
      readonly before: RolloutState;
      readonly state: RolloutState;
      readonly event: RolloutEvent;
      readonly effects: readonly Effect[];
      readonly decisions: readonly Decision[];
      /** Outbox entries stored by this call: deliveries of decisions taken now, and timers. */
      readonly outbox: readonly OutboxEntry[];
      /** Compare-and-set attempts it took (1 when nobody raced). */
      readonly attempts: number;
    }
  | {
      readonly ok: false;
      readonly refused: true;
      readonly reason: string;
      readonly rev: number;
      readonly state: RolloutState;
    }
  | { readonly ok: false; readonly refused: false; readonly reason: string };

export class UnknownRolloutError extends Error {
  override name = 'UnknownRolloutError';
  constructor(readonly rollout: string) {
    super(`rollout "${rollout}" does not exist: store its spec first (PUT /api/v1/rollouts/${rollout})`);
  }
}

export class ContentionError extends Error {
  override name = 'ContentionError';
}

function parseStreamEntry(id: string, fields: string[]): AuditEntry {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!;
  return { id, rev: Number(record.rev), ...(JSON.parse(record.entry ?? '{}') as AuditDraft) };
}

export interface RolloutStore {
  putSpec(input: PutSpecInput, now?: number): Promise<{ stored: StoredSpec; state: StoredState }>;
  getSpec(name: string, version?: number): Promise<StoredSpec | null>;
  listSpecVersions(name: string): Promise<Array<Omit<StoredSpec, 'spec' | 'source'>>>;
  listRollouts(): Promise<string[]>;
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
  readAudit(name: string, options?: { after?: string; limit?: number }): Promise<AuditEntry[]>;
  getDecision(name: string, id: string): Promise<Decision | null>;
  listDecisions(name: string, options?: { limit?: number }): Promise<Decision[]>;
  listOutbox(name: string): Promise<OutboxEntry[]>;
  removeOutbox(name: string, ids: readonly string[]): Promise<void>;
  /** Makes `rg:active` agree with the stored state and tells collectors; returns the view (null: inactive). */
  syncActive(name: string, known?: { spec: StoredSpec; state: StoredState }): Promise<ActiveRollout | null>;
  listActive(): Promise<ActiveRollout[]>;
}

export function createRolloutStore(redis: RedisConnection, options: RolloutStoreOptions = {}): RolloutStore {
  const maxAttempts = options.maxAttempts ?? 20;
  // Spec versions never change once stored, so parsed copies are kept (bounded) in memory.
  const specCache = new Map<string, StoredSpec>();

  async function getSpec(name: string, version?: number): Promise<StoredSpec | null> {
    const keys = rolloutKeys(name);
    const wanted = version ?? Number((await redis.hget(keys.spec, 'current')) ?? 0);
    if (wanted === 0) return null;
    const cacheKey = `${name}@${wanted}`;
    const cached = specCache.get(cacheKey);
    if (cached !== undefined) return cached;
    const text = await redis.hget(keys.spec, `v${wanted}`);
    if (text === null) return null;
    const stored = JSON.parse(text) as StoredSpec;
    if (specCache.size >= 2000) specCache.delete(specCache.keys().next().value as string);
    specCache.set(cacheKey, stored);
    return stored;
  }

  async function getState(name: string): Promise<StoredState | null> {
    const text = await redis.get(rolloutKeys(name).state);
    return text === null ? null : (JSON.parse(text) as StoredState);
  }

  async function syncActive(
    name: string,
    known?: { spec: StoredSpec; state: StoredState },
  ): Promise<ActiveRollout | null> {
    const current = known ?? (await getRollout(name));
    const view =
      current === null ? null : activeView(current.spec.spec, current.spec.version, current.state.state);
    const previous = await redis.hget(globalKeys.active, name);
    const next = view === null ? null : JSON.stringify(view);
    if (previous !== next) {
      if (next === null) await redis.hdel(globalKeys.active, name);
      else await redis.hset(globalKeys.active, name, next);
      await redis.publish(globalKeys.changes, name);
    }
    return view;
  }

  async function getRollout(name: string): Promise<{ spec: StoredSpec; state: StoredState } | null> {
    const state = await getState(name);
    if (state === null) return null;
    const spec = await getSpec(name, state.state.specVersion);
    if (spec === null) return null;
    return { spec, state };
  }

  async function putSpec(input: PutSpecInput, now = Date.now()) {
    const name = input.spec.metadata.name;
    const keys = rolloutKeys(name);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const current = Number((await redis.hget(keys.spec, 'current')) ?? 0);
      const existing = await getState(name);
      const version = current + 1;
      const stored: StoredSpec = {
        version,
        spec: input.spec,
        source: input.source,
        contentType: input.contentType,
        createdAt: now,
        actor: input.actor,
      };
      // A rollout that has not started, or has ended, takes the new version at once; a running one keeps
      // judging by the version it started with (its plan travels in its state) until it ends.
      const replace =
        existing === null ||
        existing.state.phase === 'pending' ||
        TERMINAL_PHASES.includes(existing.state.phase);
      const state = replace ? initialState(input.spec, version) : null;
      const audit: AuditDraft = {
        at: now,
        kind: existing === null ? 'created' : 'spec',
        actor: input.actor,
        specVersion: version,
        event: {
          type: 'spec-stored',
          version,
          note: replace
            ? `spec version ${version} stored; the rollout is pending under it`
            : `spec version ${version} stored; the running rollout keeps judging by version ${existing?.state.specVersion} until it ends`,
        },
        from: existing === null ? null : positionOf(existing.state),
        to: state === null ? null : positionOf(state),
        decisions: [],
        summary: `spec version ${version} stored by ${input.actor}`,
      };
      const result = (await runScript(
        redis,
        putSpecScript,
        [keys.spec, keys.state, keys.audit],
        [
          current,
          JSON.stringify(stored),
          existing?.rev ?? 0,
          state === null ? '' : JSON.stringify(state),
          now,
          JSON.stringify(audit),
        ],
      )) as [number, number | string, number];
      if (result[0] !== 1) continue;
      const rev = Number(result[2]);
      await redis.sadd(globalKeys.rollouts, name);
      const storedState: StoredState =
        state === null && existing !== null ? existing : { rev, updatedAt: now, state: state! };
      const running = await getSpec(name, storedState.state.specVersion);
      if (running !== null) await syncActive(name, { spec: running, state: storedState });
      return { stored, state: storedState };
    }
    throw new ContentionError(
      `rollout "${name}": the spec changed under ${maxAttempts} attempts to store it; try again`,
    );
  }

  async function applyEvent(
    name: string,
    source: EventSource,
    now = Date.now(),
    context: ApplyContext = {},
  ): Promise<ApplyResult> {
    const keys = rolloutKeys(name);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const current = attempt === 1 && context.current !== undefined ? context.current : await getState(name);
      if (current === null) throw new UnknownRolloutError(name);
      const event = typeof source === 'function' ? await source(current) : source;
      if (event === null) return { ok: false, refused: false, reason: 'nothing to apply' };
      const result = transition(current.state, event, now);
      if (!result.ok) {
        // A refused operator action is part of the record (an approval that lost a race to a rollback);
        // refused timers and evaluations are routine and are not.
        if ('actor' in event) {
          await redis.xadd(
            keys.audit,
            '*',
            'rev',
            String(current.rev),
            'entry',
            JSON.stringify(refusedAudit(current.state, event, result.reason, now)),
          );
        }
        return { ok: false, refused: true, reason: result.reason, rev: current.rev, state: current.state };
      }
      const spec = await getSpec(name, current.state.specVersion);
      if (spec === null) throw new UnknownRolloutError(name);
      const decisions = decisionsOf(result.effects);
      const outbox = outboxEntries(name, result.effects, spec.spec, now, context.triggeredAt);
      const audit = worthAuditing(current.state, result.state, event, result.effects)
        ? [transitionAudit(current.state, result.state, event, result.effects, now)]
        : [];
      const args: Array<string | number> = [
        current.rev,
        JSON.stringify(result.state),
        now,
        audit.length,
        decisions.length,
        outbox.length,
        ...audit.map((entry) => JSON.stringify(entry)),
        ...decisions.flatMap((d) => [d.id, JSON.stringify(d), d.at]),
        ...outbox.flatMap((entry) => [
          entry.id,
          entry.kind === 'deliver' ? entry.decisionId : '',
          JSON.stringify(entry),
        ]),
      ];
      const reply = (await runScript(
        redis,
        applyTransitionScript,
        [keys.state, keys.audit, keys.decisions, keys.decisionIndex, keys.outbox],
        args,
      )) as [number, number];
      if (reply[0] !== 1) continue;
      const rev = Number(reply[1]);
      if (current.state.phase !== result.state.phase || current.state.wave !== result.state.wave) {
        await syncActive(name, { spec, state: { rev, updatedAt: now, state: result.state } });
      }
      return {
        ok: true,
        rev,
        before: current.state,
        state: result.state,
        event,
        effects: result.effects,
        decisions,
        outbox,
        attempts: attempt,
      };
    }
    throw new ContentionError(
      `rollout "${name}": its state changed under ${maxAttempts} attempts to apply an event; it will be retried`,
    );
  }

  async function addSystemDecision(
    name: string,
    decision: Decision,
    webhook: WebhookType,
    now = Date.now(),
  ): Promise<OutboxEntry[]> {
    const keys = rolloutKeys(name);
    const spec = await getSpec(name, decision.specVersion);
    if (spec === null) throw new UnknownRolloutError(name);
    const outbox = outboxEntries(name, [{ type: 'decision', webhook, decision }], spec.spec, now);
    const audit: AuditDraft = {
      at: now,
      kind: 'transition',
      actor: 'system',
      specVersion: decision.specVersion,
      event: { type: 'system-decision', kind: decision.kind, reason: decision.reason },
      from: null,
      to: null,
      decisions: [decision.id],
      summary: `${decision.kind} ${decision.outcome}: ${decision.reason}`,
    };
    const stored = await runScript(
      redis,
      addDecisionScript,
      [keys.audit, keys.decisions, keys.decisionIndex, keys.outbox, keys.state],
      [
        decision.id,
        JSON.stringify(decision),
        decision.at,
        JSON.stringify(audit),
        outbox.length,
        ...outbox.flatMap((entry) => [entry.id, JSON.stringify(entry)]),
      ],
    );
    return stored === 1 ? outbox : [];
  }

  return {
    putSpec,
    getSpec,
    addSystemDecision,
    async listSpecVersions(name) {
      const fields = await redis.hgetall(rolloutKeys(name).spec);
      return Object.entries(fields)
        .filter(([field]) => field.startsWith('v'))
        .map(([, text]) => {
          const { spec: _spec, source: _source, ...summary } = JSON.parse(text) as StoredSpec;
          return summary;
        })
        .sort((a, b) => a.version - b.version);
    },
    async listRollouts() {
      return (await redis.smembers(globalKeys.rollouts)).sort();
    },
    getState,
    getRollout,
    applyEvent,
    async readAudit(name, { after, limit = 1000 } = {}) {
      const start = after === undefined ? '-' : `(${after}`;
      const entries = await redis.xrange(rolloutKeys(name).audit, start, '+', 'COUNT', limit);
      return entries.map(([id, fields]) => parseStreamEntry(id, fields));
    },
    async getDecision(name, id) {
      const text = await redis.hget(rolloutKeys(name).decisions, id);
      return text === null ? null : (JSON.parse(text) as Decision);
    },
    async listDecisions(name, { limit = 100 } = {}) {
      const keys = rolloutKeys(name);
      const ids = await redis.zrevrange(keys.decisionIndex, 0, limit - 1);
      if (ids.length === 0) return [];
      const texts = await redis.hmget(keys.decisions, ...ids);
      return texts.flatMap((text) => (text === null ? [] : [JSON.parse(text) as Decision]));
    },
    async listOutbox(name) {
      const fields = await redis.hgetall(rolloutKeys(name).outbox);
      return Object.values(fields)
        .map((text) => JSON.parse(text) as OutboxEntry)
        .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    },
    async removeOutbox(name, ids) {
      if (ids.length > 0) await redis.hdel(rolloutKeys(name).outbox, ...ids);
    },
    syncActive,
    async listActive() {
      const fields = await redis.hgetall(globalKeys.active);
      return Object.values(fields).map((text) => JSON.parse(text) as ActiveRollout);
    },
  };
}
