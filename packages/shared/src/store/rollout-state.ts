import type { Decision, Effect } from '../decision/decision.ts';
import type { RolloutEvent } from '../decision/events.ts';
import type { RolloutState } from '../decision/state.ts';
import { transition } from '../decision/transition.ts';
import { rolloutKeys } from '../redis/keys.ts';
import { decisionsOf, refusedAudit, transitionAudit, worthAuditing } from './audit-entry.ts';
import { copyAuditSoon, deliveryIds } from './audit-log.ts';
import { luaScript, type RedisConnection, runScript } from './lua-script.ts';
import type { OutboxEntry, StoredState } from './records.ts';
import { outboxEntries } from './routing.ts';
import type { RolloutRecord, StoreContext } from './store-context.ts';
import { ContentionError, UnknownRolloutError } from './store-errors.ts';

const applyTransitionScript = luaScript(
  'apply-transition',
  new URL('./apply-transition.lua', import.meta.url),
);

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

export async function readState(redis: RedisConnection, name: string): Promise<StoredState | null> {
  const text = await redis.get(rolloutKeys(name).state);
  return text === null ? null : (JSON.parse(text) as StoredState);
}

/** The state with the spec version it judges by (null if either is missing). */
export async function readRollout(
  ctx: Pick<StoreContext, 'getSpec' | 'getState'>,
  name: string,
): Promise<RolloutRecord | null> {
  const state = await ctx.getState(name);
  if (state === null) return null;
  const spec = await ctx.getSpec(name, state.state.specVersion);
  if (spec === null) return null;
  return { spec, state };
}

/**
 * Runs the decision core's transition on the stored state and writes its result (state, audit, decisions,
 * outbox) in one compare-and-set, reading again and retrying when another writer got there first.
 */
export async function applyEvent(
  ctx: StoreContext,
  name: string,
  source: EventSource,
  now = Date.now(),
  context: ApplyContext = {},
): Promise<ApplyResult> {
  const { redis, maxAttempts } = ctx;
  const keys = rolloutKeys(name);
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const current =
      attempt === 1 && context.current !== undefined ? context.current : await ctx.getState(name);
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
        await copyAuditSoon(redis, name);
      }
      return { ok: false, refused: true, reason: result.reason, rev: current.rev, state: current.state };
    }
    const spec = await ctx.getSpec(name, current.state.specVersion);
    if (spec === null) throw new UnknownRolloutError(name);
    const decisions = decisionsOf(result.effects);
    const outbox = outboxEntries(name, result.effects, spec.spec, now, context.triggeredAt);
    const audit = worthAuditing(current.state, result.state, event, result.effects)
      ? [
          {
            ...transitionAudit(current.state, result.state, event, result.effects, now),
            deliveries: deliveryIds(outbox),
          },
        ]
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
    if (audit.length > 0) await copyAuditSoon(redis, name);
    if (current.state.phase !== result.state.phase || current.state.wave !== result.state.wave) {
      await ctx.syncActive(name, { spec, state: { rev, updatedAt: now, state: result.state } });
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
