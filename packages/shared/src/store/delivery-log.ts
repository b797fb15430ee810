import { globalKeys } from '../redis/keys.ts';
import { type DeliveryStatus, FINAL_STATUSES } from './delivery-status.ts';
import { luaScript, type RedisConnection, runScript } from './lua-script.ts';
import type { DeliveryEntry } from './records.ts';

export { type DeliveryStatus, FINAL_STATUSES } from './delivery-status.ts';

export interface DeliveryRecord extends Omit<DeliveryEntry, 'kind'> {
  /** The target's format (`standard`, `slack` …) and host: enough to tell targets apart, no secrets. */
  readonly format: string;
  readonly destination: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly firstAttemptAt: number | null;
  readonly lastAttemptAt: number | null;
  readonly nextAttemptAt: number | null;
  readonly deliveredAt: number | null;
  /** How many times an operator asked for it again; each starts a fresh retry chain. */
  readonly redeliveries: number;
  /** Attempts made before the current retry chain began (a redelivery starts its backoff afresh). */
  readonly chainBase?: number;
  /** When the event that caused the decision was observed (the breaching batch's ingest), if known. */
  readonly triggeredAt?: number;
  /** When it reached its final status (set by the log; absent while pending or retrying): retention counts from here. */
  readonly endedAt?: number;
  readonly note?: string;
}

/** One attempt as the delivery log keeps it: status, latency, a redacted excerpt of the answer. */
export interface DeliveryAttempt {
  readonly attempt: number;
  readonly at: number;
  readonly status?: number;
  readonly latencyMs: number;
  readonly responseExcerpt: string;
  readonly error?: string;
  readonly outcome: 'delivered' | 'retry' | 'stopped' | 'gave-up' | 'skipped';
  readonly retryAfterMs?: number;
  readonly nextAttemptAt?: number;
}

const attemptsKey = (id: string) => `${globalKeys.delivery(id)}:attempts`;

/**
 * Delivery ids of one rollout by creation time (ZSET), kept beside `rg:deliveries` so that `?rollout=` reads
 * exactly that rollout's deliveries. Untagged like the rest of the log: it is never in a script with other keys.
 */
export const rolloutDeliveriesKey = (rollout: string) => `${globalKeys.deliveries}:rollout:${rollout}`;

/** How long a delivery in a final status is kept by default: a month of history for incident reviews. */
export const DEFAULT_DELIVERY_RETENTION_MS = 30 * 86_400_000;

const casScript = luaScript('delivery-cas', new URL('./delivery-cas.lua', import.meta.url));

export interface DeliveryLogOptions {
  /** Deliveries that ended longer ago than this are removed by `trim` (default 30 days). */
  readonly retentionMs?: number;
  /** The clock that stamps `endedAt` (default `Date.now`). */
  readonly now?: () => number;
}

export interface TrimOptions {
  /** The time retention is counted back from (default: the log's clock). */
  readonly now?: number;
  /** At most this many deliveries are removed per call, so one sweep stays short (default 1000). */
  readonly maxRemovals?: number;
}

/** The webhook delivery log (global keys: it spans rollouts and is never touched by per-rollout Lua). */
export interface DeliveryLog {
  /** Creates the record if it does not exist yet (the sweeper and the evaluator may both get here). */
  open(
    entry: DeliveryEntry,
    target: { format: string; destination: string },
    extra?: { triggeredAt?: number },
  ): Promise<DeliveryRecord>;
  get(id: string): Promise<DeliveryRecord | null>;
  attempts(id: string): Promise<DeliveryAttempt[]>;
  /** Appends an attempt and updates the record with what it changed. */
  recordAttempt(
    id: string,
    attempt: DeliveryAttempt,
    update: Partial<DeliveryRecord>,
  ): Promise<DeliveryRecord>;
  /** Changes the record by compare-and-set (retried), so concurrent writers and `trim` never lose a change. */
  update(id: string, update: Partial<DeliveryRecord>): Promise<DeliveryRecord>;
  /** Newest first; with `rollout`, that rollout's deliveries only, read from its own index. */
  list(options?: { limit?: number; rollout?: string }): Promise<DeliveryRecord[]>;
  /**
   * Removes deliveries in a final status that ended more than the retention ago, with their attempts and
   * index entries; pending and retrying ones always stay. Returns how many were removed. Bounded per call.
   */
  trim(options?: TrimOptions): Promise<number>;
}

const isFinal = (status: DeliveryStatus) => FINAL_STATUSES.includes(status);

/** When a record ended; records written before `endedAt` existed count from their last activity. */
function endedAt(record: DeliveryRecord): number {
  return record.endedAt ?? Math.max(record.createdAt, record.lastAttemptAt ?? 0, record.deliveredAt ?? 0);
}

export function createDeliveryLog(redis: RedisConnection, options: DeliveryLogOptions = {}): DeliveryLog {
  const retentionMs = options.retentionMs ?? DEFAULT_DELIVERY_RETENTION_MS;
  const clock = options.now ?? Date.now;

  async function read(id: string): Promise<{ text: string; record: DeliveryRecord } | null> {
    const text = await redis.hget(globalKeys.delivery(id), 'record');
    return text === null ? null : { text, record: JSON.parse(text) as DeliveryRecord };
  }

  async function get(id: string): Promise<DeliveryRecord | null> {
    return (await read(id))?.record ?? null;
  }

  async function update(id: string, change: Partial<DeliveryRecord>): Promise<DeliveryRecord> {
    for (let attempt = 1; attempt <= 20; attempt++) {
      const current = await read(id);
      if (current === null) throw new Error(`delivery ${id} is not in the delivery log`);
      const { endedAt: _endedAt, ...merged } = { ...current.record, ...change };
      const next: DeliveryRecord = !isFinal(merged.status)
        ? merged
        : { ...merged, endedAt: change.endedAt ?? current.record.endedAt ?? clock() };
      const text = JSON.stringify(next);
      if ((await runScript(redis, casScript, [globalKeys.delivery(id)], [current.text, text])) === 1) {
        return next;
      }
    }
    throw new Error(`delivery ${id} kept changing under 20 attempts to update it`);
  }

  /** The records of these ids in order, skipping any that are gone (each read on its own: Cluster-safe). */
  async function records(
    ids: readonly string[],
  ): Promise<Array<{ id: string; record: DeliveryRecord | null }>> {
    return Promise.all(ids.map(async (id) => ({ id, record: await get(id) })));
  }

  /** Removes one delivery that `trim` judged old, unless it changed since it was read. */
  async function remove(id: string, text: string, rollout: string): Promise<boolean> {
    // The record goes first and only if unchanged (a redelivery keeps it); what follows is idempotent, and
    // index entries left by a crash here are dropped by the next trim (global) or listing (per rollout).
    if ((await runScript(redis, casScript, [globalKeys.delivery(id)], [text, ''])) !== 1) return false;
    await redis.del(attemptsKey(id));
    await redis.zrem(rolloutDeliveriesKey(rollout), id);
    await redis.zrem(globalKeys.deliveries, id);
    return true;
  }

  return {
    async open(entry, target, extra = {}) {
      const { kind: _kind, ...fields } = entry;
      const record: DeliveryRecord = {
        ...fields,
        format: target.format,
        destination: target.destination,
        status: 'pending',
        attempts: 0,
        firstAttemptAt: null,
        lastAttemptAt: null,
        nextAttemptAt: null,
        deliveredAt: null,
        redeliveries: 0,
        ...(extra.triggeredAt === undefined ? {} : { triggeredAt: extra.triggeredAt }),
      };
      const created = await redis.hsetnx(globalKeys.delivery(entry.id), 'record', JSON.stringify(record));
      // Indexed on every open (ZADD of the same score is a no-op), so an open cut short is finished by the next.
      await redis.zadd(rolloutDeliveriesKey(entry.rollout), entry.createdAt, entry.id);
      await redis.zadd(globalKeys.deliveries, entry.createdAt, entry.id);
      if (created === 1) return record;
      return (await get(entry.id)) ?? record;
    },
    get,
    async attempts(id) {
      const texts = await redis.lrange(attemptsKey(id), 0, -1);
      return texts.map((text) => JSON.parse(text) as DeliveryAttempt);
    },
    async recordAttempt(id, attempt, change) {
      await redis.rpush(attemptsKey(id), JSON.stringify(attempt));
      return update(id, change);
    },
    update,
    async list({ limit = 100, rollout } = {}) {
      const index = rollout === undefined ? globalKeys.deliveries : rolloutDeliveriesKey(rollout);
      for (;;) {
        const found = await records(await redis.zrevrange(index, 0, limit - 1));
        const gone = found.filter((row) => row.record === null).map((row) => row.id);
        if (gone.length === 0) return found.map((row) => row.record!);
        // Only a trim cut short leaves an id without its record: drop it from the index and read again.
        await redis.zrem(index, ...gone);
      }
    },
    async trim({ now = clock(), maxRemovals = 1_000 } = {}) {
      const cutoff = now - retentionMs;
      const batch = 200;
      let removed = 0;
      // Ids kept so far (still pending, or ended recently after a redelivery) sit before the next candidates.
      let kept = 0;
      while (removed < maxRemovals) {
        // A delivery ends after it is created, so only those created before the cutoff can have ended before it.
        const ids = await redis.zrangebyscore(globalKeys.deliveries, '-inf', cutoff, 'LIMIT', kept, batch);
        for (const id of ids) {
          if (removed >= maxRemovals) break;
          const current = await read(id);
          if (current === null) {
            await redis.del(attemptsKey(id));
            await redis.zrem(globalKeys.deliveries, id);
            continue;
          }
          const { record } = current;
          if (
            isFinal(record.status) &&
            endedAt(record) <= cutoff &&
            (await remove(id, current.text, record.rollout))
          ) {
            removed++;
          } else {
            kept++;
          }
        }
        if (ids.length < batch) break;
      }
      return removed;
    },
  };
}
