import { globalKeys } from '../redis/keys.ts';
import type { RedisConnection } from './lua-script.ts';
import type { DeliveryEntry } from './records.ts';

/**
 * Where a delivery stands. `pending`: enqueued, not yet tried; `retrying`: failed attempts, another is
 * scheduled; `delivered`: a 2xx; `stopped`: the receiver said 410 (or the target refused for good);
 * `gave-up`: retried for 24 h without success; `skipped`: the target's format does not act on this type.
 */
export type DeliveryStatus = 'pending' | 'retrying' | 'delivered' | 'stopped' | 'gave-up' | 'skipped';

export const FINAL_STATUSES: readonly DeliveryStatus[] = ['delivered', 'stopped', 'gave-up', 'skipped'];

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
  update(id: string, update: Partial<DeliveryRecord>): Promise<DeliveryRecord>;
  /** Newest first. */
  list(options?: { limit?: number; rollout?: string }): Promise<DeliveryRecord[]>;
}

export function createDeliveryLog(redis: RedisConnection): DeliveryLog {
  async function get(id: string): Promise<DeliveryRecord | null> {
    const text = await redis.hget(globalKeys.delivery(id), 'record');
    return text === null ? null : (JSON.parse(text) as DeliveryRecord);
  }

  async function update(id: string, change: Partial<DeliveryRecord>): Promise<DeliveryRecord> {
    const current = await get(id);
    if (current === null) throw new Error(`delivery ${id} is not in the delivery log`);
    const next = { ...current, ...change };
    await redis.hset(globalKeys.delivery(id), 'record', JSON.stringify(next));
    return next;
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
      if (created === 1) {
        await redis.zadd(globalKeys.deliveries, entry.createdAt, entry.id);
        return record;
      }
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
      // Filtering by rollout scans a bounded window of the newest entries rather than keeping an index per rollout.
      const ids = await redis.zrevrange(
        globalKeys.deliveries,
        0,
        rollout === undefined ? limit - 1 : limit * 20 - 1,
      );
      if (ids.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hget(globalKeys.delivery(id), 'record');
      const replies = (await pipeline.exec()) ?? [];
      const records = replies.flatMap(([error, text]) =>
        error === null && typeof text === 'string' ? [JSON.parse(text) as DeliveryRecord] : [],
      );
      return (rollout === undefined ? records : records.filter((r) => r.rollout === rollout)).slice(0, limit);
    },
  };
}
