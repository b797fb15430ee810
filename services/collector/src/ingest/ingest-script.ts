import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient } from '@rollout-guard/shared/redis';
import { activeSeriesKey, batchMarkersKey } from '@rollout-guard/shared/store';
import { type CumulativePoint, increaseOf } from './cumulative.ts';
import { encodeState, SeriesStateCache, type StoredState } from './series-state.ts';

const LUA = readFileSync(new URL('./ingest.lua', import.meta.url), 'utf8');
const SHA = createHash('sha1').update(LUA).digest('hex');

/** One series' contribution to one rollout, as the ingest script takes it. */
export type IngestOp =
  | (OpBase & {
      /** Delta or raw sample: `v` is added as it is. */
      k: 'd';
    })
  | (OpBase & {
      /** Cumulative: `v` is the running total; the script adds its increase since the series' last point. */
      k: 'c';
      /** Index (1-based, into KEYS) of the series state hash. */
      sk: number;
      /** Start of the cumulative stream (unix ms), 0 when unknown. */
      st: number;
      /** Point time (unix ms): a point not newer than the last one seen is ignored. */
      ts: number;
      /** Monotonic: a component that went down means the counter was reset. */
      mono: boolean;
    });

interface OpBase {
  /** The series id (metric and attributes): the cardinality cap and the cumulative state are per series. */
  sid: string;
  /** Index into `targets`: which bucket keys the contribution goes to. */
  t: number;
  /** Fields to add (the bucket field scheme of @rollout-guard/shared/store). */
  v: Record<string, number>;
  mn?: number | undefined;
  mx?: number | undefined;
  lv?: number | undefined;
  lt?: number | undefined;
  /** How many data points the op stands for (a histogram reassembled from many samples is one op). */
  np?: number;
}

export interface IngestCall {
  rollout: string;
  /** Digest of the batch; the script applies a digest once per rollout. Empty: no idempotence marker. */
  digest: string;
  nowMs: number;
  /** Keys beyond the two fixed ones, referenced by 1-based index + 2 … see `KeyTable`. */
  keys: string[];
  /** Target groups: each a list of [key index into KEYS (1-based), ttl seconds]. */
  targets: Array<Array<[number, number]>>;
  ops: IngestOp[];
  /** Cardinality cap: active series per rollout (0: none). */
  maxActiveSeries: number;
  /** A series not seen for this long no longer counts as active. */
  activeSeriesMs: number;
  /** How long the cumulative state of a series is kept after its last point. */
  seriesStateSeconds: number;
  /** How long a batch digest is remembered: longer than any sender keeps retrying one batch. */
  markerMs: number;
  /** A never-seen cumulative series that started at or after this time counts its whole value. */
  freshAfterMs: number;
}

export interface IngestResult {
  /** False when this rollout had already applied the batch (a retry): nothing was counted again. */
  applied: boolean;
  accepted: number;
  refusedByCap: number;
  /** Out of order or repeated points of cumulative series: already counted by a newer point. */
  ignored: number;
  /** Calls repeated because states differed from this collector's copy, or new series met the cap. */
  retries: { changed: number; cap: number };
}

/** Builds the key table for one call: fixed keys first, then each distinct key once. */
export class KeyTable {
  readonly keys: string[] = [];
  readonly #index = new Map<string, number>();
  /** The KEYS index (1-based) of `key`, adding it if new. */
  indexOf(key: string): number {
    let index = this.#index.get(key);
    if (index === undefined) {
      this.keys.push(key);
      index = this.keys.length + 2;
      this.#index.set(key, index);
    }
    return index;
  }
}

/**
 * A series this collector marked active less than this long ago is not sent to be marked again: the
 * active set's window is an hour, so its "last seen" stays exact to a minute for a fraction of the work.
 */
const MARK_REFRESH_MS = 60_000;

/** Calls refused because series changed under them or met the cap, before the batch fails (503). */
const MAX_ATTEMPTS = 6;

/**
 * The script refused every attempt: the rollout's series kept changing under this collector (several
 * collectors writing the same series at once) or meeting the cap. Nothing was written; the sender's
 * retry is applied once.
 */
export class IngestContentionError extends Error {
  constructor(rollout: string, attempts: number) {
    super(
      `rollout "${rollout}": its series were changed by another writer, or met the cardinality cap, on each of ${attempts} attempts; nothing of this batch is stored for it`,
    );
    this.name = 'IngestContentionError';
  }
}

const caches = new WeakMap<RedisClient, SeriesStateCache>();

/** The series-state cache of one Redis connection: one per collector process in practice. */
export function seriesStateCacheOf(redis: RedisClient): SeriesStateCache {
  let cache = caches.get(redis);
  if (cache === undefined) {
    cache = new SeriesStateCache();
    caches.set(redis, cache);
  }
  return cache;
}

/**
 * Stores one rollout's part of a batch. The increases of cumulative series and the sums per bucket
 * key are computed here, from the states this collector knows (read from Redis the first time);
 * the script applies them only if the batch is new, every new series is under the cap and every
 * state is still the one computed from — otherwise it writes nothing, says what differed, and this
 * computes again. EVALSHA, and EVAL once when Redis does not have the script cached.
 */
export async function runIngestScript(
  redis: RedisClient,
  call: IngestCall,
  cache: SeriesStateCache = seriesStateCacheOf(redis),
): Promise<IngestResult> {
  const keys = [batchMarkersKey(call.rollout), activeSeriesKey(call.rollout), ...call.keys];
  const refused = new Set<string>();
  const known = new Map<number, Map<string, StoredState | null>>();
  const retries = { changed: 0, cap: 0 };
  for (let attempt = 1; ; attempt++) {
    await loadStates(redis, call, cache, refused, known);
    const plan = planCall(call, cache, refused, known);
    const reply = (await evalIngest(redis, keys, plan.args)) as Array<number | string>;
    if (reply[0] === 0) return { applied: false, accepted: 0, refusedByCap: 0, ignored: 0, retries };
    if (reply[0] === 1) {
      for (const [keyIndex, states] of plan.written) {
        const stateKey = stateKeyOf(call, keyIndex);
        for (const [sid, state] of states) cache.setState(stateKey, sid, state);
      }
      for (const sid of plan.marked) cache.setMarked(call.rollout, sid, call.nowMs);
      return {
        applied: true,
        accepted: plan.accepted,
        refusedByCap: plan.refused,
        ignored: plan.ignored,
        retries,
      };
    }
    if (attempt >= MAX_ATTEMPTS) throw new IngestContentionError(call.rollout, MAX_ATTEMPTS);
    if (reply[0] === 2) {
      retries.cap++;
      for (const sid of reply.slice(1)) refused.add(String(sid));
    } else {
      retries.changed++;
      // Redis holds other states than this collector thought: read those again, and trust no mark.
      cache.forgetMarks(call.rollout);
      for (let i = 1; i < reply.length; i += 2) {
        const keyIndex = Number(reply[i]);
        const sid = String(reply[i + 1]);
        cache.forgetState(stateKeyOf(call, keyIndex), sid);
        known.get(keyIndex)?.delete(sid);
      }
    }
  }
}

/** Reads, one HMGET per state key and thousand series, the states neither this call nor the cache knows. */
async function loadStates(
  redis: RedisClient,
  call: IngestCall,
  cache: SeriesStateCache,
  refused: ReadonlySet<string>,
  known: Map<number, Map<string, StoredState | null>>,
) {
  const missing = new Map<number, Set<string>>();
  for (const op of call.ops) {
    if (op.k !== 'c' || refused.has(op.sid)) continue;
    let states = known.get(op.sk);
    if (states === undefined) {
      states = new Map();
      known.set(op.sk, states);
    }
    if (states.has(op.sid)) continue;
    const cached = cache.state(stateKeyOf(call, op.sk), op.sid);
    if (cached !== undefined) {
      states.set(op.sid, cached);
      continue;
    }
    let list = missing.get(op.sk);
    if (list === undefined) {
      list = new Set();
      missing.set(op.sk, list);
    }
    list.add(op.sid);
  }
  await Promise.all(
    [...missing].map(async ([keyIndex, sids]) => {
      const loaded = await cache.load(redis, stateKeyOf(call, keyIndex), [...sids]);
      const states = known.get(keyIndex) as Map<string, StoredState | null>;
      for (const [sid, state] of loaded) states.set(sid, state);
    }),
  );
}

/** The key at a KEYS index (1-based, after the two fixed keys). */
function stateKeyOf(call: IngestCall, keyIndex: number): string {
  return call.keys[keyIndex - 3] as string;
}

/** Sums, minimum, maximum and latest value for one target group or one bucket key. */
interface Accumulator {
  adds: Record<string, number>;
  mn?: number;
  mx?: number;
  lv?: number;
  lt?: number;
}

interface Plan {
  args: Array<string | number>;
  /** New states per state key index, to remember once the script applied them. */
  written: Map<number, Map<string, StoredState>>;
  marked: string[];
  accepted: number;
  refused: number;
  ignored: number;
}

interface SeriesEntry {
  expected: string | Buffer;
  point: CumulativePoint | undefined;
  changed: boolean;
}

/** Every op in order (several points of one series each see the one before), then the arguments. */
function planCall(
  call: IngestCall,
  cache: SeriesStateCache,
  refused: ReadonlySet<string>,
  known: ReadonlyMap<number, ReadonlyMap<string, StoredState | null>>,
): Plan {
  const groups: Array<Accumulator | undefined> = [];
  const series = new Map<number, Map<string, SeriesEntry>>();
  const marked: string[] = [];
  const seen = new Set<string>();
  let accepted = 0;
  let refusedPoints = 0;
  let ignored = 0;

  for (const op of call.ops) {
    const np = op.np ?? 1;
    if (refused.has(op.sid)) {
      refusedPoints += np;
      continue;
    }
    if (!seen.has(op.sid)) {
      seen.add(op.sid);
      const at = cache.markedAt(call.rollout, op.sid);
      if (at === undefined || call.nowMs - at >= MARK_REFRESH_MS || at > call.nowMs) marked.push(op.sid);
    }
    let add: Readonly<Record<string, number>> | undefined = op.v;
    if (op.k === 'c') {
      let entries = series.get(op.sk);
      if (entries === undefined) {
        entries = new Map();
        series.set(op.sk, entries);
      }
      let entry = entries.get(op.sid);
      if (entry === undefined) {
        const stored = known.get(op.sk)?.get(op.sid);
        if (stored === undefined) throw new Error(`series state of ${op.sid} was not read before planning`);
        entry = { expected: stored?.raw ?? '', point: stored?.point, changed: false };
        entries.set(op.sid, entry);
      }
      if (entry.point !== undefined && op.ts <= entry.point.ts) {
        ignored += np;
        continue;
      }
      const point = { st: op.st, ts: op.ts, v: op.v };
      add = increaseOf(point, entry.point, op.mono, call.freshAfterMs);
      entry.point = point;
      entry.changed = true;
    }
    let acc = groups[op.t];
    if (acc === undefined) {
      acc = { adds: {} };
      groups[op.t] = acc;
    }
    if (add !== undefined) addInto(acc.adds, add);
    mergeExtremes(acc, op);
    accepted += np;
  }

  // Everything per series goes in one JSON array (see ingest.lua): one argument instead of thousands.
  const body: Array<string | number> = [...marked];
  const written = new Map<number, Map<string, StoredState>>();
  for (const [keyIndex, entries] of series) {
    const ids: string[] = [];
    const expected: string[] = [];
    const next: string[] = [];
    const states = new Map<string, StoredState>();
    for (const [sid, entry] of entries) {
      // A series whose points were all ignored as old is checked too (its state is written back as
      // it was): they were judged old against the state this collector knows, which must be Redis's.
      if (entry.changed && entry.point !== undefined) {
        const state = encodeState(entry.point);
        next.push(state.raw as string);
        states.set(sid, state);
      } else if (typeof entry.expected === 'string' && entry.expected !== '') next.push(entry.expected);
      else continue;
      ids.push(sid);
      expected.push(expectedText(entry.expected));
    }
    if (ids.length === 0) continue;
    written.set(keyIndex, states);
    body.push(keyIndex, ids.length);
    for (const x of ids) body.push(x);
    for (const x of expected) body.push(x);
    for (const x of next) body.push(x);
  }

  // Spread each group over its keys; a key shared by groups (the 5 min and 1 h buckets, the wave
  // total) merges their sums, minima, maxima and latest values first.
  const buckets = new Map<number, Accumulator & { ttl: number }>();
  groups.forEach((acc, g) => {
    if (acc === undefined) return;
    for (const [keyIndex, ttl] of call.targets[g] ?? []) {
      let bucket = buckets.get(keyIndex);
      if (bucket === undefined) {
        bucket = { adds: {}, ttl };
        buckets.set(keyIndex, bucket);
      }
      if (ttl > bucket.ttl) bucket.ttl = ttl;
      addInto(bucket.adds, acc.adds);
      mergeExtremes(bucket, acc);
    }
  });
  for (const [keyIndex, bucket] of buckets) {
    const fields = Object.entries(bucket.adds).filter(([, v]) => v !== 0 && Number.isFinite(v));
    body.push(keyIndex, bucket.ttl, fields.length);
    for (const [field, v] of fields) body.push(field, String(v));
    body.push(
      text(bucket.mn),
      text(bucket.mx),
      text(bucket.lt === undefined ? undefined : bucket.lv),
      text(bucket.lt),
    );
  }

  const args = [
    call.digest,
    call.nowMs,
    call.markerMs,
    call.maxActiveSeries,
    call.activeSeriesMs,
    call.seriesStateSeconds,
    marked.length,
    written.size,
    buckets.size,
    JSON.stringify(body),
  ];
  return { args, written, marked, accepted, refused: refusedPoints, ignored };
}

function addInto(target: Record<string, number>, add: Readonly<Record<string, number>>) {
  for (const field in add) target[field] = (target[field] ?? 0) + (add[field] as number);
}

function mergeExtremes(
  acc: Accumulator,
  from: {
    mn?: number | undefined;
    mx?: number | undefined;
    lv?: number | undefined;
    lt?: number | undefined;
  },
) {
  if (from.mn !== undefined && (acc.mn === undefined || from.mn < acc.mn)) acc.mn = from.mn;
  if (from.mx !== undefined && (acc.mx === undefined || from.mx > acc.mx)) acc.mx = from.mx;
  if (from.lt !== undefined && from.lv !== undefined && (acc.lt === undefined || from.lt >= acc.lt)) {
    acc.lv = from.lv;
    acc.lt = from.lt;
  }
}

/** What the script compares a stored value with: itself, or the digest of bytes this version cannot read. */
function expectedText(raw: string | Buffer): string {
  return typeof raw === 'string' ? raw : `#${createHash('sha1').update(raw).digest('hex')}`;
}

function text(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '' : String(x);
}

async function evalIngest(redis: RedisClient, keys: string[], args: Array<string | number>) {
  try {
    return await redis.evalsha(SHA, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return await redis.eval(LUA, keys.length, ...keys, ...args);
  }
}
