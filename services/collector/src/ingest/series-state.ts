import type { RedisClient } from '@rollout-guard/shared/redis';
import type { CumulativePoint } from './cumulative.ts';

/**
 * The collector's copy of what Redis holds per series: the last point of each cumulative series
 * (in its series-state hash), and when each series was last marked active for the cardinality cap.
 *
 * Redis stays the truth. The ingest script compares every state the collector computed from with
 * the stored one and refuses the whole call when any differ (another collector wrote the series,
 * Redis lost data, an entry here is stale); the collector then reads the current states and computes
 * again. So a copy here saves Redis the reads and the decoding on every batch, and can never count
 * an increase twice. Bounded: when full it is dropped whole and refilled by reads, a batch at a time.
 */
export class SeriesStateCache {
  readonly #states: BoundedMaps<StoredState | null>;
  readonly #marked: BoundedMaps<number>;

  constructor(readonly maxEntries = 100_000) {
    this.#states = new BoundedMaps(maxEntries);
    this.#marked = new BoundedMaps(maxEntries);
  }

  /** The stored state of `sid` in `stateKey`, `null` when Redis has none, undefined when unknown here. */
  state(stateKey: string, sid: string): StoredState | null | undefined {
    return this.#states.get(stateKey, sid);
  }

  setState(stateKey: string, sid: string, state: StoredState | null) {
    this.#states.set(stateKey, sid, state);
  }

  /** Forgets one series' state: the next call reads it from Redis again. */
  forgetState(stateKey: string, sid: string) {
    this.#states.delete(stateKey, sid);
  }

  /** When `sid` was last marked active in `rollout`'s active-series set by this collector. */
  markedAt(rollout: string, sid: string): number | undefined {
    return this.#marked.get(rollout, sid);
  }

  setMarked(rollout: string, sid: string, atMs: number) {
    this.#marked.set(rollout, sid, atMs);
  }

  /** Forgets what this collector believed of a rollout's active series (after Redis disagreed). */
  forgetMarks(rollout: string) {
    this.#marked.deleteAll(rollout);
  }

  /**
   * Reads the stored states of `sids` in `stateKey` from Redis into the cache (one HMGET per
   * thousand series). Raw bytes are kept as they are, so the script compares exactly what it holds.
   */
  async load(
    redis: RedisClient,
    stateKey: string,
    sids: readonly string[],
  ): Promise<Map<string, StoredState | null>> {
    const loaded = new Map<string, StoredState | null>();
    for (let i = 0; i < sids.length; i += LOAD_CHUNK) {
      const chunk = sids.slice(i, i + LOAD_CHUNK);
      const raws = await redis.hmgetBuffer(stateKey, ...chunk);
      chunk.forEach((sid, j) => {
        const raw = raws[j];
        const state = raw === null || raw === undefined ? null : decodeState(raw);
        this.setState(stateKey, sid, state);
        loaded.set(sid, state);
      });
    }
    return loaded;
  }
}

const LOAD_CHUNK = 1000;

/** Values by (outer key, inner key), at most `max` in all; when full it is dropped whole. */
class BoundedMaps<V> {
  readonly #maps = new Map<string, Map<string, V>>();
  #size = 0;

  constructor(readonly max: number) {}

  get(outer: string, inner: string): V | undefined {
    return this.#maps.get(outer)?.get(inner);
  }

  set(outer: string, inner: string, value: V) {
    let map = this.#maps.get(outer);
    if (map?.has(inner) !== true && this.#size >= this.max) {
      this.#maps.clear();
      this.#size = 0;
      map = undefined;
    }
    if (map === undefined) {
      map = new Map();
      this.#maps.set(outer, map);
    }
    if (!map.has(inner)) this.#size++;
    map.set(inner, value);
  }

  delete(outer: string, inner: string) {
    if (this.#maps.get(outer)?.delete(inner)) this.#size--;
  }

  deleteAll(outer: string) {
    const map = this.#maps.get(outer);
    if (map === undefined) return;
    this.#size -= map.size;
    this.#maps.delete(outer);
  }
}

/**
 * A series' state as Redis holds it: `raw` is the exact stored value (what the script compares),
 * `point` what it says, or undefined when it cannot be read (written by an incompatible version):
 * such a series starts over as if seen for the first time, and the next write replaces it.
 */
export interface StoredState {
  readonly raw: string | Buffer;
  readonly point: CumulativePoint | undefined;
}

/**
 * The stored form, short because every cumulative series sends it twice per batch (what it expects,
 * what it writes): `<start> <time> <field>=<value> …`, numbers in JavaScript's shortest exact form
 * (field names of the bucket scheme hold neither spaces nor `=`).
 */
export function encodeState(point: CumulativePoint): StoredState {
  let raw = stateHead(point.st, point.ts);
  for (const field in point.v) raw += `${fieldHead(field)}${point.v[field]}`;
  return { raw, point };
}

/**
 * `<start> <time>`, the same for every series of a request as senders stamp a batch with one time:
 * the last one is kept, so a batch converts those two numbers to text once rather than per series.
 */
let lastHead = { st: Number.NaN, ts: Number.NaN, text: '' };

function stateHead(st: number, ts: number): string {
  if (lastHead.st !== st || lastHead.ts !== ts) lastHead = { st, ts, text: `${st} ${ts}` };
  return lastHead.text;
}

/** ` <field>=` per field name, bounded (the bucket scheme's names are few per metric, not per point). */
const FIELD_HEADS_LIMIT = 10_000;
let fieldHeads = new Map<string, string>();

function fieldHead(field: string): string {
  let head = fieldHeads.get(field);
  if (head === undefined) {
    if (fieldHeads.size >= FIELD_HEADS_LIMIT) fieldHeads = new Map();
    head = ` ${field}=`;
    fieldHeads.set(field, head);
  }
  return head;
}

function decodeState(raw: Buffer): StoredState {
  const text = raw.toString('utf8');
  // Only a value that encodes back to the very same bytes can be compared as a string.
  if (!Buffer.from(text).equals(raw)) return { raw, point: undefined };
  return { raw: text, point: parseState(text) };
}

/** The point a stored state says, or undefined when it is not one this version wrote. */
export function parseState(text: string): CumulativePoint | undefined {
  const parts = text.split(' ');
  if (parts.length < 2) return undefined;
  const st = Number(parts[0]);
  const ts = Number(parts[1]);
  if (parts[0] === '' || parts[1] === '' || !Number.isFinite(st) || !Number.isFinite(ts)) return undefined;
  const v: Record<string, number> = {};
  for (let i = 2; i < parts.length; i++) {
    const part = parts[i] as string;
    const eq = part.lastIndexOf('=');
    const value = Number(part.slice(eq + 1));
    if (eq <= 0 || eq === part.length - 1 || Number.isNaN(value)) return undefined;
    v[part.slice(0, eq)] = value;
  }
  return { st, ts, v };
}
