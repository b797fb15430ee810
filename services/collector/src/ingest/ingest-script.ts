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
  const series = new CallSeries(call, cache);
  const retries = { changed: 0, cap: 0 };
  for (let attempt = 1; ; attempt++) {
    await series.loadStates(redis);
    const plan = planCall(call, series);
    const reply = (await evalIngest(redis, keys, plan.args)) as Array<number | string>;
    if (reply[0] === 0) return { applied: false, accepted: 0, refusedByCap: 0, ignored: 0, retries };
    if (reply[0] === 1) {
      series.applied();
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
      for (const sid of reply.slice(1)) series.refuse(String(sid));
    } else {
      retries.changed++;
      // Redis holds other states than this collector thought: read those again, and trust no mark.
      series.forgetMarks();
      for (let i = 1; i < reply.length; i += 2) series.forgetState(Number(reply[i]), String(reply[i + 1]));
    }
  }
}

/** One series of a call: whether the cap refused it, and whether it is to be marked active. */
interface CallEntry {
  readonly sid: string;
  refused: boolean;
  mark: boolean;
  /** Its cumulative state in the first state key it came with (almost always its only one). */
  slot: StateSlot | undefined;
}

/** One cumulative series' state in one state key, as this call knows and changes it. */
interface StateSlot {
  readonly sid: string;
  readonly entry: CallEntry;
  /** KEYS index (1-based) of the state hash. */
  readonly keyIndex: number;
  /** As Redis holds it (null: none), undefined until read. */
  stored: StoredState | null | undefined;
  /** The last point planned so far, starting from the stored one. */
  point: CumulativePoint | undefined;
  changed: boolean;
  /** What this call writes, kept for the cache once the script applied it. */
  next: StoredState | undefined;
}

/**
 * The series of one call, found once per op when the call begins: each attempt then walks the ops
 * with their entries and slots at hand, without a lookup per op.
 */
class CallSeries {
  readonly #call: IngestCall;
  readonly #cache: SeriesStateCache;
  readonly #bySid = new Map<string, CallEntry>();
  /** Slots of series that came with a second state key (a name read as a part, then on its own). */
  #others: Map<string, StateSlot> | undefined;
  /** Per op, its series and (cumulative ops) its state slot. */
  readonly entries: CallEntry[];
  readonly slots: Array<StateSlot | undefined>;
  /** The slots grouped by state key, in the order they came. */
  readonly byKey = new Map<number, StateSlot[]>();

  constructor(call: IngestCall, cache: SeriesStateCache) {
    this.#call = call;
    this.#cache = cache;
    const ops = call.ops;
    this.entries = new Array(ops.length);
    this.slots = new Array(ops.length);
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as IngestOp;
      let entry = this.#bySid.get(op.sid);
      if (entry === undefined) {
        entry = { sid: op.sid, refused: false, mark: this.#needsMark(op.sid), slot: undefined };
        this.#bySid.set(op.sid, entry);
      }
      this.entries[i] = entry;
      if (op.k === 'c') this.slots[i] = this.#slot(entry, op.sk);
    }
  }

  #needsMark(sid: string): boolean {
    const at = this.#cache.markedAt(this.#call.rollout, sid);
    const now = this.#call.nowMs;
    return at === undefined || now - at >= MARK_REFRESH_MS || at > now;
  }

  #slot(entry: CallEntry, keyIndex: number): StateSlot {
    if (entry.slot?.keyIndex === keyIndex) return entry.slot;
    const other = `${keyIndex} ${entry.sid}`;
    let slot = entry.slot === undefined ? undefined : this.#others?.get(other);
    if (slot !== undefined) return slot;
    const cached = this.#cache.state(this.#stateKey(keyIndex), entry.sid);
    slot = {
      sid: entry.sid,
      entry,
      keyIndex,
      stored: cached,
      point: undefined,
      changed: false,
      next: undefined,
    };
    if (entry.slot === undefined) entry.slot = slot;
    else {
      this.#others ??= new Map();
      this.#others.set(other, slot);
    }
    let list = this.byKey.get(keyIndex);
    if (list === undefined) {
      list = [];
      this.byKey.set(keyIndex, list);
    }
    list.push(slot);
    return slot;
  }

  /** The key at a KEYS index (1-based, after the two fixed keys). */
  #stateKey(keyIndex: number): string {
    return this.#call.keys[keyIndex - 3] as string;
  }

  /** Reads, one HMGET per state key and thousand series, the states neither this call nor the cache knows. */
  async loadStates(redis: RedisClient) {
    const reads: Array<Promise<void>> = [];
    for (const [keyIndex, slots] of this.byKey) {
      const missing = slots.filter((slot) => slot.stored === undefined && !slot.entry.refused);
      if (missing.length === 0) continue;
      reads.push(
        this.#cache
          .load(
            redis,
            this.#stateKey(keyIndex),
            missing.map((slot) => slot.sid),
          )
          .then((loaded) => {
            for (const slot of missing) slot.stored = loaded.get(slot.sid) ?? null;
          }),
      );
    }
    await Promise.all(reads);
  }

  refuse(sid: string) {
    const entry = this.#bySid.get(sid);
    if (entry !== undefined) entry.refused = true;
  }

  forgetMarks() {
    this.#cache.forgetMarks(this.#call.rollout);
    for (const entry of this.#bySid.values()) entry.mark = true;
  }

  forgetState(keyIndex: number, sid: string) {
    this.#cache.forgetState(this.#stateKey(keyIndex), sid);
    const entry = this.#bySid.get(sid);
    if (entry === undefined) return;
    const slot = entry.slot?.keyIndex === keyIndex ? entry.slot : this.#others?.get(`${keyIndex} ${sid}`);
    if (slot !== undefined) slot.stored = undefined;
  }

  /** Each series once, in the order they came. */
  series(): IterableIterator<CallEntry> {
    return this.#bySid.values();
  }

  /** The script applied the call: the cache learns what it wrote. */
  applied() {
    for (const [keyIndex, slots] of this.byKey) {
      const stateKey = this.#stateKey(keyIndex);
      for (const slot of slots)
        if (slot.next !== undefined) this.#cache.setState(stateKey, slot.sid, slot.next);
    }
    for (const entry of this.#bySid.values()) {
      if (entry.mark && !entry.refused)
        this.#cache.setMarked(this.#call.rollout, entry.sid, this.#call.nowMs);
    }
  }
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
  accepted: number;
  refused: number;
  ignored: number;
}

/** Every op in order (several points of one series each see the one before), then the arguments. */
function planCall(call: IngestCall, series: CallSeries): Plan {
  const groups: Array<Accumulator | undefined> = [];
  let accepted = 0;
  let refusedPoints = 0;
  let ignored = 0;
  for (const slots of series.byKey.values()) {
    for (const slot of slots) {
      if (slot.stored === undefined && !slot.entry.refused) {
        throw new Error(`series state of ${slot.sid} was not read before planning`);
      }
      slot.point = slot.stored?.point;
      slot.changed = false;
      slot.next = undefined;
    }
  }

  const ops = call.ops;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as IngestOp;
    const np = op.np ?? 1;
    if ((series.entries[i] as CallEntry).refused) {
      refusedPoints += np;
      continue;
    }
    let add: Readonly<Record<string, number>> | undefined = op.v;
    if (op.k === 'c') {
      const slot = series.slots[i] as StateSlot;
      if (slot.point !== undefined && op.ts <= slot.point.ts) {
        ignored += np;
        continue;
      }
      const point = { st: op.st, ts: op.ts, v: op.v };
      add = increaseOf(point, slot.point, op.mono, call.freshAfterMs);
      slot.point = point;
      slot.changed = true;
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
  const body: Array<string | number> = [];
  let marks = 0;
  for (const entry of series.series()) {
    if (!entry.mark || entry.refused) continue;
    body.push(entry.sid);
    marks++;
  }
  let stateKeys = 0;
  for (const [keyIndex, slots] of series.byKey) {
    // A series whose points were all ignored as old is checked too (its state is written back as
    // it was): they were judged old against the state this collector knows, which must be Redis's.
    const sent = slots.filter(
      (slot) =>
        !slot.entry.refused &&
        slot.stored !== undefined &&
        ((slot.changed && slot.point !== undefined) ||
          (typeof slot.stored?.raw === 'string' && slot.stored.raw !== '')),
    );
    if (sent.length === 0) continue;
    stateKeys++;
    body.push(keyIndex, sent.length);
    for (const slot of sent) body.push(slot.sid);
    for (const slot of sent) body.push(expectedText(slot.stored?.raw ?? ''));
    for (const slot of sent) {
      if (slot.changed && slot.point !== undefined) {
        slot.next = encodeState(slot.point);
        body.push(slot.next.raw as string);
      } else body.push(slot.stored?.raw as string);
    }
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
    marks,
    stateKeys,
    buckets.size,
    JSON.stringify(body),
  ];
  return { args, accepted, refused: refusedPoints, ignored };
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
