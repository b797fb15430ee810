import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient } from '@rollout-guard/shared/redis';
import {
  activeSeriesKey,
  batchMarkersKey,
  SERIES_STATE_FENCE_TEXT,
  SERIES_STATE_FENCE_TTL_SECONDS,
  SERIES_STATE_WRITER_FIELD,
  seriesStateFenceKey,
} from '@rollout-guard/shared/store';

/*
 * The ingest script's protocol, both sides: what the collector sends (KEYS, ARGV) and what
 * ingest.lua reads and answers. The names and positions below are the one source: `LUA_HEADER` is
 * generated from them and put before ingest.lua's body, which reads every argument and record
 * field by these names (`ARGV[ARG.digest]`, `A[at + BUCKET.ttlSeconds]`), never by a number.
 *
 * KEYS   the two fixed keys (`KEY`), then the call's key table (series-state and bucket hashes),
 *        each referenced by its KEYS index (`KeyTable`), then the upgrade fence of each state section's
 *        key, in the sections' order (`seriesStateFenceKey`; the section names its index).
 * ARGV   the scalars of `ARGUMENTS` in that order; at `ARG.list` one list, a JSON array of strings
 *        (`listText`), holding
 *          `markCount` series ids to mark active, in the order they came;
 *          `stateKeyCount` state sections: `STATE_SECTION`, then `count` × (series id, new state);
 *          `bucketCount` bucket records: `BUCKET_HEAD`, `fieldCount` × (field, amount), `BUCKET_TAIL`
 *          ('' where there is no value);
 *        after it, one argument per state section in the list's order: the states expected of its
 *        series, in order, joined by newlines ('' none, '#<sha1 hex>' a value the collector could not
 *        read as text); '' for a section whose `expectedSent` is '0'.
 * Reply  `{REPLY.seenBefore}`, `{REPLY.applied, key index, token, …}` (the sections whose hash held
 *        another writer token than expected, and the token it held, '' none), `{REPLY.refusedByCap,
 *        full, id…}` (full: 1 when the cap had no room as the call came, else 0), `{REPLY.changed, key
 *        index, id, key index, id, …}`, `{REPLY.unvouched, key index, …}` (see `ScriptReply`).
 *
 * Writer tokens. Each applied call writes `writerToken` (unique to the call: its collector's random id
 * and a counter) into `WRITER_FIELD` of every state hash it writes. A section names the token its
 * collector last saw applied in that hash (`expectedToken`) and whether every expected state of the
 * section is one that collector wrote or saw compared equal since that chain of its tokens began
 * (`vouched`, see series-state.ts `StateChain`). When both hold — the hash still holds the expected
 * token, so nothing has written it since, and the states were exact then — the script skips reading
 * and comparing the section's states; otherwise it compares them all. A vouched section may leave its
 * expected states out (`expectedSent` '0'): over a third of a counter call's bytes, built, sent and read
 * for nothing while the token holds. If the hash holds another token, the script has nothing to compare
 * with: it writes nothing and names the section (`unvouched`), and the collector sends the call again
 * with them. The collector sends them anyway where it expects another token first
 * (`SeriesStateCache.busy`: a call of its own in flight, another collector found lately), so that calls
 * taking turns with one key are not each sent twice. The skip is as safe as the rule
 * that every other writer of series states changes or removes the token (retention.ts does; a hash
 * that expires or is lost takes it along; a Redis that lost writes holds an older token).
 *
 * The upgrade fence. Series states moved to a new key name with writer tokens; a collector of the
 * version before reads and writes the older name, which would write states behind a newer collector's
 * token. Per section, before anything else, the script moves states left under the older name (a hash)
 * to the key — renamed when the key does not exist, else merged in, the older name's states winning
 * (they were written since the fence expired: after every state here), the token removed — then
 * sets a STRING at the older name for `FENCE_TTL` seconds. An older collector's script reads that name
 * with HMGET before it writes anything, and its client reads it likewise: both fail with WRONGTYPE, and
 * the sender retries on another collector. (ingest/README.md, "The upgrade fence".)
 *
 * Why one list: as thousands of separate arguments the command cost the collector about 1 ms per 1,500
 * series to build and write. Why JSON: Redis's cjson makes the list's strings in C, where splitting
 * a newline-separated list in Lua took half of the script's time (0.5 ms per 1,500 series, against
 * 0.19); the collector still only joins, as no element needs escaping. Why a Buffer: ioredis joins a
 * command's string arguments into one string, which V8 copies whole into a flat string before the
 * write; past 128 KiB (a 1,500-series OTLP call with its expected states: about 140 KB) that copy is a
 * large object of fresh pages, faulted in one by one and counted towards the next full collection.
 * With one Buffer among them, ioredis writes every argument of the command into one buffer instead
 * (the expected states' texts too): OTLP protobuf went from 0.56–0.71× of remote write to 0.76–0.77×
 * in alternating runs (BENCHMARKS.md).
 */

/** The fixed keys, before the call's key table. */
export const FIXED_KEYS = [
  /** ZSET digest → ms: a retried batch is applied once, on any replica. */
  'markers',
  /** ZSET series id → last marked ms: the cardinality cap. */
  'activeSeries',
] as const;

/** The scalar arguments, in ARGV order; `list` is the list of records (`listText`). */
export const ARGUMENTS = [
  /** The batch digest; '' for none (no idempotence marker). */
  'digest',
  'nowMs',
  /** How long a digest is remembered. */
  'markerMs',
  /** Active series per rollout; 0 for no cap. */
  'maxActiveSeries',
  /** A series not marked for this long no longer counts as active. */
  'activeSeriesMs',
  /** How long a series' cumulative state is kept after its last write. */
  'stateTtlSeconds',
  /** Written into `WRITER_FIELD` of each state hash the call writes; unique to the call. */
  'writerToken',
  'markCount',
  'stateKeyCount',
  'bucketCount',
  'list',
] as const;

/**
 * A state section's head in the list; `count` × (series id, new state) follow. `fenceKeyIndex`: the
 * KEYS index of the key's upgrade fence (`seriesStateFenceKey`). `expectedToken`: the
 * writer token the hash should hold ('' none known); `vouched`: '1' when every expected state of the
 * section may be taken as stored if the hash holds that token, else '0'; `expectedSent`: '0' when the
 * section's expected states were left out (a vouched section only), else '1'.
 */
export const STATE_SECTION = [
  'keyIndex',
  'fenceKeyIndex',
  'count',
  'expectedToken',
  'vouched',
  'expectedSent',
] as const;
/** A bucket record's head in the list; `fieldCount` × (field, amount) follow, then `BUCKET_TAIL`. */
export const BUCKET_HEAD = ['keyIndex', 'ttlSeconds', 'fieldCount'] as const;
export const BUCKET_TAIL = ['min', 'max', 'lastValue', 'lastTime'] as const;

/** The first element of every reply. */
export const REPLY = { seenBefore: 0, applied: 1, refusedByCap: 2, changed: 3, unvouched: 4 } as const;

/** Name → 1-based position (a Lua table's). */
function positions<T extends string>(names: readonly T[], from = 1): Record<T, number> {
  return Object.fromEntries(names.map((name, i) => [name, from + i])) as Record<T, number>;
}

/** The KEYS index (1-based) of each fixed key. */
export const KEY = positions(FIXED_KEYS);
/** The ARGV index (1-based) of each scalar argument. */
export const ARG = positions(ARGUMENTS);
/** The KEYS index of the key table's first key. */
export const FIRST_TABLE_KEY = FIXED_KEYS.length + 1;

function luaTable(name: string, entries: Record<string, number>, why: string): string {
  const fields = Object.entries(entries).map(([field, value]) => `${field} = ${value}`);
  return `-- ${why}\nlocal ${name} = { ${fields.join(', ')} }`;
}

/** The Lua side's names, generated from the lists above and put before ingest.lua's body. */
export const LUA_HEADER = [
  '-- Generated by script-protocol.ts from the lists the collector encodes with: do not edit here.',
  luaTable('KEY', KEY, 'KEYS index of each fixed key'),
  `local FIRST_TABLE_KEY = ${FIRST_TABLE_KEY}`,
  '-- The field of a state hash holding its last writer token (no series id takes this name)',
  `local WRITER_FIELD = '${SERIES_STATE_WRITER_FIELD}'`,
  "-- What a state key's upgrade fence holds, and for how long after each call (seconds)",
  `local FENCE_TEXT, FENCE_TTL = '${SERIES_STATE_FENCE_TEXT}', ${SERIES_STATE_FENCE_TTL_SECONDS}`,
  luaTable('ARG', ARG, 'ARGV index of each scalar argument; expected states follow ARG.list'),
  luaTable(
    'STATE',
    { ...positions(STATE_SECTION, 0), size: STATE_SECTION.length },
    'offsets in a state section',
  ),
  luaTable('BUCKET', { ...positions(BUCKET_HEAD, 0), size: BUCKET_HEAD.length }, 'offsets in a bucket head'),
  luaTable('TAIL', { ...positions(BUCKET_TAIL, 0), size: BUCKET_TAIL.length }, 'offsets in a bucket tail'),
  luaTable('REPLY', REPLY, 'first element of each reply'),
  '',
].join('\n');

/** ingest.lua as written: its body, which reads the names `LUA_HEADER` defines. */
export const LUA_BODY = readFileSync(new URL('./ingest.lua', import.meta.url), 'utf8');
const LUA = `${LUA_HEADER}${LUA_BODY}`;
const SHA = createHash('sha1').update(LUA).digest('hex');

/** Builds the key table of one call: each distinct key once, after the fixed keys. */
export class KeyTable {
  readonly keys: string[] = [];
  readonly #index = new Map<string, number>();

  /** The KEYS index of `key`, adding it if new. */
  indexOf(key: string): number {
    let index = this.#index.get(key);
    if (index === undefined) {
      this.keys.push(key);
      index = this.keys.length + FIRST_TABLE_KEY - 1;
      this.#index.set(key, index);
    }
    return index;
  }
}

/** The key of a table's KEYS index. */
export function keyAt(keys: readonly string[], keyIndex: number): string {
  const key = keys[keyIndex - FIRST_TABLE_KEY];
  if (key === undefined)
    throw new Error(`ingest script: KEYS index ${keyIndex} is not in the call's key table`);
  return key;
}

/** One state key's part of a call: its series, the states the script writes and those it expects. */
export interface StateSection {
  readonly keyIndex: number;
  readonly seriesIds: readonly string[];
  /** The state each series is to hold once applied (the one expected, when it did not change). */
  readonly states: readonly string[];
  /**
   * The state each series must hold now ('' none, `#<sha1 hex>` of a value that is no plain text);
   * undefined: not sent, the section being vouched for (the script answers `unvouched` if the hash
   * holds another token).
   */
  readonly expected: readonly string[] | undefined;
  /** The writer token the hash should hold ('' none known). */
  readonly expectedToken: string;
  /** Every expected state is vouched for by the chain of `expectedToken`: compared only if the token differs. */
  readonly vouched: boolean;
}

/** One bucket hash: the amounts to add per field, and min/max/last merged with what it holds. */
export interface BucketWrite {
  readonly keyIndex: number;
  readonly ttlSeconds: number;
  readonly fields: ReadonlyArray<readonly [field: string, amount: number]>;
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly lastValue: number | undefined;
  readonly lastTime: number | undefined;
}

/** Everything one script call says, by name. */
export interface ScriptCall {
  readonly rollout: string;
  readonly keys: readonly string[];
  readonly digest: string;
  readonly nowMs: number;
  readonly markerMs: number;
  readonly maxActiveSeries: number;
  readonly activeSeriesMs: number;
  readonly stateTtlSeconds: number;
  /** The token written into each state hash the call writes (`WRITER_FIELD`). */
  readonly writerToken: string;
  /** Series ids to mark active (admitted under the cap first). */
  readonly marks: readonly string[];
  readonly states: readonly StateSection[];
  readonly buckets: readonly BucketWrite[];
}

/** What the script answered. */
export type ScriptReply =
  | { readonly kind: 'seenBefore' }
  /** Written; `foundTokens`: the sections whose hash held another writer token than expected ('' none). */
  | { readonly kind: 'applied'; readonly foundTokens: readonly FoundToken[] }
  /**
   * New series past the cap: nothing was written. `full`: the cap had no room when the call came, so no
   * series of it took room another call's could have had (with room, a series refused here may be
   * admitted by the next call that does not bring the series that took it).
   */
  | { readonly kind: 'refusedByCap'; readonly full: boolean; readonly seriesIds: readonly string[] }
  /** Stored states differ from the expected ones: nothing was written. */
  | { readonly kind: 'changed'; readonly changes: ReadonlyArray<{ keyIndex: number; seriesId: string }> }
  /** Sections sent without their expected states held another token than expected: nothing was written. */
  | { readonly kind: 'unvouched'; readonly keyIndexes: readonly number[] };

/** The writer token a state hash held when the script found it other than expected. */
export interface FoundToken {
  readonly keyIndex: number;
  readonly token: string;
}

/** The KEYS of a call: the fixed keys, its key table, then the upgrade fence of each state section's key. */
export function encodeKeys(call: Pick<ScriptCall, 'rollout' | 'keys' | 'states'>): string[] {
  const fixed: Record<(typeof FIXED_KEYS)[number], string> = {
    markers: batchMarkersKey(call.rollout),
    activeSeries: activeSeriesKey(call.rollout),
  };
  return [
    ...FIXED_KEYS.map((name) => fixed[name]),
    ...call.keys,
    ...call.states.map((section) => seriesStateFenceKey(keyAt(call.keys, section.keyIndex))),
  ];
}

/** The ARGV of a call. The list's length is counted first: it is made at that size, not grown. */
export function encodeArguments(call: ScriptCall): Array<string | number | Buffer> {
  let length = call.marks.length;
  for (const section of call.states) length += STATE_SECTION.length + 2 * section.seriesIds.length;
  for (const bucket of call.buckets)
    length += BUCKET_HEAD.length + 2 * bucket.fields.length + BUCKET_TAIL.length;
  const list: Array<string | number> = new Array(length);
  let at = 0;
  for (const id of call.marks) list[at++] = id;
  // The fences follow the key table in KEYS (`encodeKeys`).
  let fenceKeyIndex = FIRST_TABLE_KEY + call.keys.length;
  for (const { keyIndex, seriesIds, states, expected, expectedToken, vouched } of call.states) {
    // In STATE_SECTION's order.
    list[at++] = keyIndex;
    list[at++] = fenceKeyIndex++;
    list[at++] = seriesIds.length;
    list[at++] = expectedToken;
    list[at++] = vouched ? 1 : 0;
    list[at++] = expected === undefined ? 0 : 1;
    for (let i = 0; i < seriesIds.length; i++) {
      list[at++] = seriesIds[i] as string;
      list[at++] = states[i] as string;
    }
  }
  for (const bucket of call.buckets) {
    // BUCKET_HEAD, the fields, BUCKET_TAIL.
    list[at++] = bucket.keyIndex;
    list[at++] = bucket.ttlSeconds;
    list[at++] = bucket.fields.length;
    for (const [field, amount] of bucket.fields) {
      list[at++] = field;
      list[at++] = String(amount);
    }
    list[at++] = text(bucket.min);
    list[at++] = text(bucket.max);
    list[at++] = text(bucket.lastTime === undefined ? undefined : bucket.lastValue);
    list[at++] = text(bucket.lastTime);
  }
  if (at !== length) throw new Error(`ingest script list: ${at} elements written, ${length} counted`);
  const scalars: Record<(typeof ARGUMENTS)[number], string | number | Buffer> = {
    digest: call.digest,
    nowMs: call.nowMs,
    markerMs: call.markerMs,
    maxActiveSeries: call.maxActiveSeries,
    activeSeriesMs: call.activeSeriesMs,
    stateTtlSeconds: call.stateTtlSeconds,
    writerToken: call.writerToken,
    markCount: call.marks.length,
    stateKeyCount: call.states.length,
    bucketCount: call.buckets.length,
    list: Buffer.from(listText(list)),
  };
  return [
    ...ARGUMENTS.map((name) => scalars[name]),
    ...call.states.map((section) => section.expected?.join('\n') ?? ''),
  ];
}

/** The script's reply, by name; anything else is a bug of one side, thrown. */
export function decodeReply(reply: unknown): ScriptReply {
  if (!Array.isArray(reply)) throw new Error(`ingest script replied ${JSON.stringify(reply)}, not a list`);
  switch (reply[0]) {
    case REPLY.seenBefore:
      return { kind: 'seenBefore' };
    case REPLY.applied:
      return { kind: 'applied', foundTokens: pairs(reply, (keyIndex, token) => ({ keyIndex, token })) };
    case REPLY.refusedByCap:
      return { kind: 'refusedByCap', full: reply[1] === 1, seriesIds: reply.slice(2).map(String) };
    case REPLY.changed:
      return { kind: 'changed', changes: pairs(reply, (keyIndex, seriesId) => ({ keyIndex, seriesId })) };
    case REPLY.unvouched:
      return { kind: 'unvouched', keyIndexes: reply.slice(1).map(Number) };
    default:
      throw new Error(`ingest script replied with an unknown code ${JSON.stringify(reply[0])}`);
  }
}

/** A reply's (key index, text) pairs after its code. */
function pairs<T>(reply: unknown[], make: (keyIndex: number, text: string) => T): T[] {
  const out: T[] = [];
  for (let i = 1; i < reply.length; i += 2) out.push(make(Number(reply[i]), String(reply[i + 1])));
  return out;
}

/** Sends one call: EVALSHA, and EVAL once when Redis does not have the script cached. */
export async function sendScriptCall(redis: RedisClient, call: ScriptCall): Promise<ScriptReply> {
  const keys = encodeKeys(call);
  const args = encodeArguments(call);
  let reply: unknown;
  try {
    reply = await redis.evalsha(SHA, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    reply = await redis.eval(LUA, keys.length, ...keys, ...args);
  }
  return decodeReply(reply);
}

/**
 * The list as a JSON array of strings, made by joining: its elements are series ids, writer tokens,
 * numbers, states and the bucket scheme's field names, none of which holds a character JSON escapes
 * (`"`, `\\`, a control character). Were one to, the script would fail on it rather than misread it.
 */
export function listText(list: ReadonlyArray<string | number>): string {
  return list.length === 0 ? '[]' : `["${list.join('","')}"]`;
}

function text(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '' : String(x);
}
