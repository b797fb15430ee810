import { randomBytes } from 'node:crypto';
import type { RedisClient } from '@rollout-guard/shared/redis';
import type { CallEntry } from './call-series.ts';
import type { CumulativePoint } from './cumulative.ts';

/**
 * The collector's copy of what Redis holds per series: the last point of each cumulative series
 * (in its series-state hash), and when each series was last marked active for the cardinality cap.
 *
 * Redis stays the truth. The ingest script compares the states the collector computed from with
 * the stored ones and refuses the whole call when any differ (another collector wrote the series,
 * Redis lost data, an entry here is stale); the collector then reads the current states and computes
 * again. So a copy here saves Redis the reads and the decoding on every batch, and can never count
 * an increase twice. It skips the comparing only for states this collector's writer tokens vouch
 * for (`StateChain`). Bounded: when full it is dropped whole and refilled by reads, a batch at a time.
 *
 * What it knows of a series in a rollout is one `SeriesCell`, which callers may hold on to (the
 * ingest path keeps it with the series' other facts): `holds` says whether it is still this cache's.
 * Cells no batch used between two sweeps (`forgetIdle`, which the ingest runtime calls every few
 * minutes) are forgotten, so that what it holds follows the series being sent, not every series
 * sent since it was last full.
 *
 * Writer tokens spare the script the comparing too (`StateChain`): per state hash, the token this
 * collector's last applied call wrote, and which states are vouched for by the chain of its tokens.
 */
export class SeriesStateCache {
  readonly #cells = new Map<string, Map<string, SeriesCell>>();
  #size = 0;
  #generation = 0;
  /** Counts the sweeps (`forgetIdle`): a cell used since the last one has it as `seen`. */
  #round = 0;
  /** Counts the times cells were forgotten, when full or idle: a call's cells are all the cache's while it is the same. */
  #forgets = 0;
  /** Cells forgotten so far: unused for a sweep period (`idle`), or dropped with the cache when full (`full`). */
  readonly forgotten = { idle: 0, full: 0 };
  /** Per state key, the chain of this collector's tokens in it; dropped with the cells. */
  readonly #chains = new Map<string, StateChain>();
  /** The last chain epoch given out: epochs are unique in this cache, across keys and drops. */
  #epochs = 0;
  /** This cache's writer id (random: unique among collectors and their restarts), and its calls. */
  readonly #writerId = randomBytes(9).toString('base64url');
  #tokens = 0;
  /** Encodes the states the collector writes. */
  readonly encoder = new StateEncoder();
  /** The series each rollout's cardinality cap refused lately: refused again without asking Redis. */
  readonly capRefused = new CapRefusedSeries();

  constructor(readonly maxEntries = 100_000) {}

  /** The cell of series `seriesId` in `rollout`, made when new. */
  cell(rollout: string, seriesId: string): SeriesCell {
    let cells = this.#cells.get(rollout);
    const known = cells?.get(seriesId);
    if (known !== undefined) return known;
    if (this.#size >= this.maxEntries) {
      this.forgotten.full += this.#size;
      this.#cells.clear();
      this.#size = 0;
      this.#generation++;
      this.#cellsForgotten();
      cells = undefined;
    }
    if (cells === undefined) {
      cells = new Map();
      this.#cells.set(rollout, cells);
    }
    const cell = new SeriesCell(this, this.#generation, rollout, seriesId);
    cells.set(seriesId, cell);
    this.#size++;
    return cell;
  }

  /** Counts the drops when full: a cell made before a drop is no longer this cache's. */
  get generation(): number {
    return this.#generation;
  }

  /** Whether `cell` is this cache's current cell of its series (not dropped with a full cache since, nor forgotten idle). */
  holds(cell: SeriesCell): boolean {
    return cell.cache === this && cell.generation === this.#generation;
  }

  /** The current sweep round: a batch stamps the cells it uses with it (`SeriesCell.seen`). */
  get round(): number {
    return this.#round;
  }

  /** Bumped whenever cells stop being this cache's (dropped when full, forgotten idle). */
  get forgets(): number {
    return this.#forgets;
  }

  /** Cells held now. */
  get size(): number {
    return this.#size;
  }

  /**
   * Forgets the cells no batch used since the last sweep: their series were not sent for a whole
   * sweep period. A forgotten cell is no longer `holds`: a batch of its series makes a new one, whose
   * state is read from Redis again; the cells kept have their states compared once more. Returns how
   * many were forgotten.
   */
  forgetIdle(): number {
    let forgotten = 0;
    for (const [rollout, cells] of this.#cells) {
      for (const [seriesId, cell] of cells) {
        if (cell.seen === this.#round) continue;
        cells.delete(seriesId);
        cell.generation = FORGOTTEN;
        forgotten++;
      }
      if (cells.size === 0) this.#cells.delete(rollout);
    }
    this.#size -= forgotten;
    this.forgotten.idle += forgotten;
    if (forgotten > 0) this.#cellsForgotten();
    this.#round++;
    return forgotten;
  }

  /**
   * Cells stopped being this cache's (dropped when full, or forgotten idle). A call begun before may
   * yet plan from such a cell's state, stamped with an epoch its chain might still be in: new chains
   * vouch for nothing stamped before, and such a call breaks its chain when it applies (`forgets`).
   */
  #cellsForgotten() {
    this.#chains.clear();
    this.#forgets++;
  }

  /** A new writer token, for one call: never given out before, by this or any other collector. */
  newToken(): string {
    return `${this.#writerId}.${(++this.#tokens).toString(36)}`;
  }

  /** The chain of this collector's tokens in `stateKey` (a new, empty one when none). */
  chain(stateKey: string): StateChain {
    let chain = this.#chains.get(stateKey);
    if (chain === undefined) {
      chain = { token: undefined, epoch: ++this.#epochs, contendedUntil: 0, inFlight: 0 };
      this.#chains.set(stateKey, chain);
    }
    return chain;
  }

  /**
   * A call this collector KNOWS was applied (its reply said so) at `nowMs` wrote `written` into
   * `stateKey`, which held `found` just before. The chain goes on when `found` is its last token
   * (nothing wrote the hash between the two calls) and `goesOn` (the call's cells are still this
   * cache's); else it breaks: a new epoch, so that no state vouched for before is, and when `found` is
   * another collector's token the key is `contended` for a while. Returns the epoch that now vouches
   * for the states the call wrote or compared.
   */
  extendChain(stateKey: string, found: string, written: string, nowMs: number, goesOn = true): number {
    const chain = this.chain(stateKey);
    if (!goesOn || chain.token === undefined || chain.token !== found) chain.epoch = ++this.#epochs;
    if (found !== '' && found !== chain.token && !found.startsWith(`${this.#writerId}.`)) {
      this.contend(stateKey, nowMs);
    }
    chain.token = written;
    return chain.epoch;
  }

  /**
   * Another writer was found in `stateKey` at `nowMs`: for `CONTENDED_MS` this collector's calls send
   * the states they expect there even when vouched for, so that they are compared at once rather than
   * the call sent twice (script-protocol.ts).
   */
  contend(stateKey: string, nowMs: number) {
    this.chain(stateKey).contendedUntil = nowMs + CONTENDED_MS;
  }

  /**
   * Whether a call planned at `nowMs` sends the states it vouches for in `stateKey` all the same: a call
   * of this collector is in Redis with the key (its token will be there first), or another writer was
   * found in it less than `CONTENDED_MS` ago.
   */
  busy(stateKey: string, nowMs: number): boolean {
    const chain = this.#chains.get(stateKey);
    if (chain === undefined) return false;
    const until = chain.contendedUntil;
    // A clock that went back leaves the key contended no longer than CONTENDED_MS from now.
    return chain.inFlight > 0 || (nowMs < until && until - nowMs <= CONTENDED_MS);
  }

  /** A call with these state keys is sent: until `release` is called, each of them is `busy`. */
  sending(stateKeys: readonly string[]): () => void {
    // The chains themselves are held: one dropped with a full cache meanwhile is let go harmlessly.
    const chains = stateKeys.map((stateKey) => this.chain(stateKey));
    for (const chain of chains) chain.inFlight++;
    return () => {
      for (const chain of chains) chain.inFlight--;
    };
  }

  /** Forgets when every series of a rollout was marked (after Redis disagreed with this collector). */
  forgetMarks(rollout: string) {
    const cells = this.#cells.get(rollout);
    if (cells === undefined) return;
    for (const cell of cells.values()) cell.markedAt = Number.NEGATIVE_INFINITY;
  }

  /**
   * The stored states of `seriesIds` in `stateKey`, from Redis (one HMGET per thousand series), `null`
   * where there is none. Raw bytes are kept as they are, so the script compares exactly what it holds.
   */
  async readStates(
    redis: RedisClient,
    stateKey: string,
    seriesIds: readonly string[],
  ): Promise<Array<StoredState | null>> {
    const states: Array<StoredState | null> = [];
    for (let i = 0; i < seriesIds.length; i += LOAD_CHUNK) {
      const raws = await redis.hmgetBuffer(stateKey, ...seriesIds.slice(i, i + LOAD_CHUNK));
      for (const raw of raws) states.push(raw === null || raw === undefined ? null : decodeState(raw));
    }
    return states;
  }
}

const LOAD_CHUNK = 1000;

/** A forgotten cell's generation: never the cache's. */
const FORGOTTEN = -1;

/** How long a series the cap refused is refused again by this collector without asking Redis. */
const CAP_REFUSAL_MEMORY_MS = 60_000;
/** Series remembered as refused per rollout, at most: past it the script is asked, as before. */
const MAX_CAP_REFUSED = 20_000;

/**
 * The series each rollout's cardinality cap refused in the last minute, when it was full before the
 * call came (with room left, the series that took it could have been another call's, and a refused
 * one may be admitted next: those are not kept). A rollout past its cap (more series than it admits,
 * sent again and again) has its refused series in nearly every call: without this each such call went
 * to Redis twice, once to be refused and once without them. A series found here is left out of the
 * call at once, as refused; one this collector's call admits is deleted (`CallSeries.applied`); a
 * minute after a rollout's first refusal its list is forgotten and the script asked again. So a series
 * admitted meanwhile by another collector (room freed by series silent for an hour) has its points
 * refused by this one for a minute at most; a cumulative series' increase over that minute is counted
 * by its next point.
 */
export class CapRefusedSeries {
  readonly #byRollout = new Map<string, { since: number; seriesIds: Set<string> }>();

  /** The series of `rollout` refused since less than a minute ago, if any (a series admitted since is deleted). */
  of(rollout: string, nowMs: number): Set<string> | undefined {
    return this.#current(rollout, nowMs)?.seriesIds;
  }

  /** The cap, full before the call came, refused `seriesId` of `rollout`. */
  note(rollout: string, seriesId: string, nowMs: number) {
    let refused = this.#current(rollout, nowMs);
    if (refused === undefined) {
      refused = { since: nowMs, seriesIds: new Set() };
      this.#byRollout.set(rollout, refused);
    }
    if (refused.seriesIds.size < MAX_CAP_REFUSED) refused.seriesIds.add(seriesId);
  }

  #current(rollout: string, nowMs: number) {
    const refused = this.#byRollout.get(rollout);
    if (refused === undefined) return undefined;
    // A minute on, or a clock gone back: forgotten, and the script asked again.
    if (nowMs - refused.since >= CAP_REFUSAL_MEMORY_MS || nowMs < refused.since) {
      this.#byRollout.delete(rollout);
      return undefined;
    }
    return refused;
  }
}

/**
 * How long a state key another writer was found in stays `contended`. Collectors taking turns with a
 * key (two Prometheus shards behind one load balancer) find each other's token on nearly every call;
 * ten minutes spans their turns, and a key written by one collector alone goes back to leaving its
 * vouched states out after one quiet spell.
 */
const CONTENDED_MS = 600_000;

/** What this collector knows of one series in one rollout: its cumulative state(s) and its last mark. */
export class SeriesCell {
  /**
   * When this collector last marked the series active in the rollout's active-series set; −∞ when it
   * has not (or forgot it). Always a number, so that V8 keeps it in a box made with the cell, beside
   * it, rather than in a new one at each mark, away from it: every call reads it for every series.
   */
  markedAt = Number.NEGATIVE_INFINITY;
  /**
   * Only while an ingest call finds its series (`CallSeries`), the series' entry in it: a series met
   * again in the call is found here rather than in a map by id. Cleared before the call goes on.
   */
  callEntry: CallEntry | undefined = undefined;
  /** The state key the series came with first, and its state there: almost always its only one. */
  #stateKey: string | undefined = undefined;
  #state: StoredState | null | undefined = undefined;
  /** The chain epoch that vouches for `#state` (0: none, it was read from Redis). */
  #epoch = 0;
  /** States in other state keys (a name read both on its own and as a histogram's part). */
  #others: Map<string, { state: StoredState | null; epoch: number }> | undefined = undefined;
  /** The cache's sweep round when a batch last used the cell (`SeriesStateCache.forgetIdle`). */
  seen: number;

  constructor(
    readonly cache: SeriesStateCache,
    /** The cache's generation it was made in; −1 once forgotten idle. */
    public generation: number,
    readonly rollout: string,
    readonly seriesId: string,
  ) {
    this.seen = cache.round;
  }

  /** The stored state in `stateKey`, `null` when Redis has none, undefined when unknown here. */
  state(stateKey: string): StoredState | null | undefined {
    return stateKey === this.#stateKey ? this.#state : this.#others?.get(stateKey)?.state;
  }

  /**
   * Whether `state` is the state known in `stateKey` and the chain epoch `epoch` vouches for it: it was
   * written or compared equal by a call applied in that unbroken chain of this collector's tokens.
   */
  vouches(stateKey: string, state: StoredState | null | undefined, epoch: number): boolean {
    if (stateKey === this.#stateKey) return this.#state === state && this.#epoch === epoch;
    const other = this.#others?.get(stateKey);
    return other !== undefined && other.state === state && other.epoch === epoch;
  }

  /** The state in `stateKey`; `epoch` the chain epoch vouching for it, 0 (none) for a state read from Redis. */
  setState(stateKey: string, state: StoredState | null, epoch = 0) {
    if (this.#stateKey === undefined || stateKey === this.#stateKey) {
      this.#stateKey = stateKey;
      this.#state = state;
      this.#epoch = epoch;
    } else {
      this.#others ??= new Map();
      this.#others.set(stateKey, { state, epoch });
    }
  }

  /** Forgets the state in `stateKey`: the next call reads it from Redis again. */
  forgetState(stateKey: string) {
    if (stateKey === this.#stateKey) {
      this.#state = undefined;
      this.#epoch = 0;
    } else this.#others?.delete(stateKey);
  }
}

/**
 * This collector's chain of writer tokens in one state hash. `token`: the one its last call known to
 * be applied wrote there (undefined: none yet). `epoch`: names the chain since it last broke — a
 * call found another token than `token` (another writer, a retention trim, an expired or lost hash,
 * one of this collector's calls whose outcome it never learnt) — and is stamped on every state a call
 * of the chain wrote or compared equal.
 *
 * Why a vouched state may go uncompared: tokens are unique and every writer of series states changes
 * or removes the token, so while the hash holds `token`, nothing has written it since the call that
 * wrote `token`. The calls of one epoch each found the token of the one before, so they ran in that
 * order with nothing between them, and the states they left here are those the hash holds after the
 * last of them. A state read by HMGET (it could be older than a call in flight), from an earlier
 * epoch or a dropped cache is vouched for by no epoch until a call compares it.
 */
export interface StateChain {
  token: string | undefined;
  epoch: number;
  /** Until when (unix ms) the key counts as written by another collector too: `SeriesStateCache.contend`. */
  contendedUntil: number;
  /** This collector's calls with the key in Redis now (`SeriesStateCache.sending`). */
  inFlight: number;
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
  return new StateEncoder().encode(point);
}

/**
 * `encodeState` with what repeats from series to series kept: `<start> <time>` is the same for every
 * series of a request, as senders stamp a batch with one time, so the last one is kept and a batch
 * converts those two numbers to text once rather than per series; ` <field>=` is kept per field name,
 * bounded (the bucket scheme's names are few per metric, not per point). One per series-state cache.
 */
export class StateEncoder {
  #head = { startMs: Number.NaN, timeMs: Number.NaN, text: '' };
  #fieldHeads = new Map<string, string>();

  constructor(readonly fieldHeadsLimit = 10_000) {}

  encode({ startMs, timeMs, fields }: CumulativePoint): StoredState {
    let raw = this.#stateHead(startMs, timeMs);
    for (const field in fields) raw += `${this.#fieldHead(field)}${fields[field]}`;
    // A copy of the three: the point given may be a larger object (an ingest op) not to be kept.
    return new ReadableState(raw, startMs, timeMs, fields);
  }

  #stateHead(startMs: number, timeMs: number): string {
    const head = this.#head;
    if (head.startMs !== startMs || head.timeMs !== timeMs) {
      this.#head = { startMs, timeMs, text: `${startMs} ${timeMs}` };
    }
    return this.#head.text;
  }

  #fieldHead(field: string): string {
    let head = this.#fieldHeads.get(field);
    if (head === undefined) {
      if (this.#fieldHeads.size >= this.fieldHeadsLimit) this.#fieldHeads = new Map();
      head = ` ${field}=`;
      this.#fieldHeads.set(field, head);
    }
    return head;
  }
}

/** A state this version reads: the stored text and the point it says, in one object (one per series). */
class ReadableState implements StoredState, CumulativePoint {
  constructor(
    readonly raw: string,
    readonly startMs: number,
    readonly timeMs: number,
    readonly fields: Readonly<Record<string, number>>,
  ) {}

  get point(): CumulativePoint {
    return this;
  }
}

function decodeState(raw: Buffer): StoredState {
  const text = raw.toString('utf8');
  // Only a value that encodes back to the very same bytes can be compared as a string.
  if (!Buffer.from(text).equals(raw)) return { raw, point: undefined };
  const point = parseState(text);
  return point === undefined
    ? { raw: text, point }
    : new ReadableState(text, point.startMs, point.timeMs, point.fields);
}

/** The point a stored state says, or undefined when it is not one this version wrote. */
export function parseState(text: string): CumulativePoint | undefined {
  // A newline parts the ingest script's list (script-protocol.ts): no state this version writes has one.
  if (text.includes('\n')) return undefined;
  const parts = text.split(' ');
  if (parts.length < 2) return undefined;
  const startMs = Number(parts[0]);
  const timeMs = Number(parts[1]);
  if (parts[0] === '' || parts[1] === '' || !Number.isFinite(startMs) || !Number.isFinite(timeMs)) {
    return undefined;
  }
  const fields: Record<string, number> = {};
  for (let i = 2; i < parts.length; i++) {
    const part = parts[i] as string;
    const eq = part.lastIndexOf('=');
    const value = Number(part.slice(eq + 1));
    if (eq <= 0 || eq === part.length - 1 || Number.isNaN(value)) return undefined;
    fields[part.slice(0, eq)] = value;
  }
  return { startMs, timeMs, fields };
}
