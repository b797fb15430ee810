import { auditKeys, rolloutKeys } from '../redis/keys.ts';
import type { AuditDraft } from './audit-entry.ts';
import { luaScript, type RedisConnection, runScript } from './lua-script.ts';
import type { AuditEntry, OutboxEntry } from './records.ts';

const copyAuditScript = luaScript('copy-audit', new URL('./copy-audit.lua', import.meta.url));

/** A year: the record a post-incident review or an audit asks for, at a few hundred bytes an entry. */
export const DEFAULT_AUDIT_RETENTION_MS = 365 * 86_400_000;

/** Entries copied per script call; a rollout rarely has more waiting than one transition's worth. */
const COPY_BATCH = 200;

/** Entries read from Redis at most per page, whatever the filters: a page that finds fewer says where to go on. */
export const AUDIT_SCAN_LIMIT = 5_000;

/** One entry of the audit log as read: the rollout's entry with the rollout's name, under the log's own id. */
export interface AuditLogEntry extends AuditEntry {
  readonly rollout: string;
}

export interface AuditQuery {
  /** One rollout's entries (read from its copy, which outlives the rollout); all rollouts' without. */
  readonly rollout?: string;
  /** Continue after this id (exclusive), in `order`. */
  readonly cursor?: string;
  /** `desc`: newest first (paging back in time); `asc`: oldest first (following new entries). */
  readonly order: 'asc' | 'desc';
  readonly limit: number;
  /** Only these kinds (`transition`, `spec`, …); any without. */
  readonly kinds?: readonly string[];
  /** Only entries by this actor (an operator's token name, or `system`). */
  readonly actor?: string;
  /** Entries read at most (default AUDIT_SCAN_LIMIT). */
  readonly scanLimit?: number;
}

export interface AuditPage {
  readonly entries: AuditLogEntry[];
  /**
   * Where the next page starts (pass it as `cursor`). `desc`: null once the oldest entry was read. `asc`:
   * the last id read, so that polling with it sees only what is new; null only while the log is empty.
   */
  readonly next: string | null;
  /** The newest id in the log (or the rollout's part of it) when it was read; null when empty. */
  readonly latest: string | null;
}

const STREAM_ID = /^\d{1,16}-\d{1,16}$/;

/** Whether `text` is a cursor the log hands out (a stream id, `<ms>-<seq>`). */
export function isAuditCursor(text: string): boolean {
  return STREAM_ID.test(text);
}

function fieldsOf(fields: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!;
  return record;
}

/**
 * Copies the rollout's audit entries not yet in the log (its own stream is written atomically with its
 * state, under its own hash tag; the log lives under `{audit}`). Called by every writer right after it
 * wrote, and by the evaluator's sweep for whatever a crash in between left behind. Returns how many.
 */
export async function copyAudit(redis: RedisConnection, name: string): Promise<number> {
  let copied = 0;
  for (;;) {
    const last = await redis.hget(auditKeys.copied, name);
    const entries = await redis.xrange(
      rolloutKeys(name).audit,
      last === null ? '-' : `(${last}`,
      '+',
      'COUNT',
      COPY_BATCH,
    );
    if (entries.length === 0) return copied;
    const args = entries.flatMap(([id, fields]) => {
      const record = fieldsOf(fields);
      return [id, record.rev ?? '0', record.entry ?? '{}'];
    });
    copied += Number(
      await runScript(
        redis,
        copyAuditScript,
        [auditKeys.feed, auditKeys.copied, auditKeys.rollout(name)],
        [name, entries.length, ...args],
      ),
    );
    if (entries.length < COPY_BATCH) return copied;
  }
}

/**
 * `copyAudit` right after a write whose audit entry is already stored: a failure here must not fail the
 * write (its caller would retry an action that happened), and the evaluator's sweep copies what is left.
 */
export async function copyAuditSoon(redis: RedisConnection, name: string): Promise<void> {
  try {
    await copyAudit(redis, name);
  } catch {
    // Left to the sweep (sweepOutbox → store.copyAudit), within seconds.
  }
}

/** The ids of the deliveries among a transition's outbox entries: the webhooks an audit entry caused. */
export function deliveryIds(outbox: readonly OutboxEntry[]): string[] {
  return outbox.flatMap((entry) => (entry.kind === 'deliver' ? [entry.id] : []));
}

/** Appends an entry that goes with no transition (a redelivery asked for, with its reason) and copies it. */
export async function appendAudit(
  redis: RedisConnection,
  name: string,
  rev: number,
  draft: AuditDraft,
): Promise<void> {
  await redis.xadd(rolloutKeys(name).audit, '*', 'rev', String(rev), 'entry', JSON.stringify(draft));
  await copyAudit(redis, name);
}

function parseLogEntry(id: string, fields: string[], rollout: string | undefined): AuditLogEntry {
  const record = fieldsOf(fields);
  const draft = JSON.parse(record.entry ?? '{}') as AuditDraft;
  return { ...draft, id, rev: Number(record.rev ?? 0), rollout: rollout ?? record.rollout ?? '' };
}

function matches(entry: AuditLogEntry, query: AuditQuery): boolean {
  if (query.kinds !== undefined && query.kinds.length > 0 && !query.kinds.includes(entry.kind)) return false;
  return query.actor === undefined || entry.actor === query.actor;
}

/**
 * A page of the log, filtered by kind and actor, reading at most `scanLimit` entries: a page may hold fewer
 * than `limit` entries when few match, and `next` says where to go on.
 */
export async function readAuditLog(redis: RedisConnection, query: AuditQuery): Promise<AuditPage> {
  const key = query.rollout === undefined ? auditKeys.feed : auditKeys.rollout(query.rollout);
  const scanLimit = query.scanLimit ?? AUDIT_SCAN_LIMIT;
  const newest = await redis.xrevrange(key, '+', '-', 'COUNT', 1);
  const latest = newest[0]?.[0] ?? null;
  const entries: AuditLogEntry[] = [];
  let position = query.cursor;
  let scanned = 0;
  for (;;) {
    const count = Math.min(Math.max(query.limit, 100), scanLimit - scanned);
    const start = position === undefined ? (query.order === 'asc' ? '-' : '+') : `(${position}`;
    const chunk =
      query.order === 'asc'
        ? await redis.xrange(key, start, '+', 'COUNT', count)
        : await redis.xrevrange(key, start, '-', 'COUNT', count);
    for (const [id, fields] of chunk) {
      position = id;
      scanned += 1;
      const entry = parseLogEntry(id, fields, query.rollout);
      if (!matches(entry, query)) continue;
      entries.push(entry);
      if (entries.length === query.limit) return { entries, next: id, latest };
    }
    if (chunk.length < count) {
      // The end of the log: going back in time there is nothing more; going forward, poll from here.
      return { entries, next: query.order === 'asc' ? (position ?? null) : null, latest };
    }
    if (scanned >= scanLimit) return { entries, next: position ?? null, latest };
  }
}

/** Whether the log holds anything for `name` (a deleted rollout's record is still there). */
export async function hasAuditLog(redis: RedisConnection, name: string): Promise<boolean> {
  return (await redis.exists(auditKeys.rollout(name))) === 1;
}

/**
 * Removes entries older than the retention from the feed and from every rollout's copy, deleted rollouts'
 * included. (Each rollout's own stream is trimmed with the rest of its record: retention.ts.)
 */
export async function trimAuditLog(
  redis: RedisConnection,
  { now, retentionMs }: { now: number; retentionMs: number },
): Promise<number> {
  const cutoff = Math.max(0, Math.floor(now - retentionMs));
  let removed = Number(await redis.xtrim(auditKeys.feed, 'MINID', cutoff));
  for (const name of await redis.hkeys(auditKeys.copied)) {
    removed += Number(await redis.xtrim(auditKeys.rollout(name), 'MINID', cutoff));
  }
  return removed;
}
