import type { RedisClient } from '@rollout-guard/shared/redis';
import type { CumulativePoint } from './cumulative.ts';
import type { IngestCall, IngestOp } from './ingest-call.ts';
import type { SeriesCell, SeriesStateCache, StoredState } from './series-state.ts';

/*
 * The series of one ingest script call, with what the call knows and changes of each: whether the
 * cap refused it, whether to mark it active, and its cumulative state per state key.
 */

/**
 * A series this collector marked active less than this long ago is not sent to be marked again: the
 * active set's window is an hour, so its "last seen" stays exact to a minute for a fraction of the work.
 */
const MARK_REFRESH_MS = 60_000;

/** One cumulative series' state in one state key, as this call knows and changes it. */
export interface StateSlot {
  readonly sid: string;
  readonly entry: CallEntry;
  /** KEYS index (1-based) of the state hash. */
  readonly keyIndex: number;
  /** As Redis holds it (null: none), undefined until read. */
  stored: StoredState | null | undefined;
  /** The last point planned so far, starting from the stored one. */
  point: CumulativePoint | undefined;
  /** A point of this call was planned: `point` is it, and the state to write. */
  changed: boolean;
  /** What this call writes, kept for the cache once the script applied it. */
  next: StoredState | undefined;
}

/**
 * One series of a call: whether the cap refused it, and whether it is to be marked active. It is
 * also the slot of the first state key it came with (almost always its only one): one object per
 * series rather than two.
 */
export class CallEntry implements StateSlot {
  readonly entry = this;
  refused = false;
  mark: boolean;
  /** Its slot in the first state key it came with (itself), once it came with one. */
  slot: StateSlot | undefined = undefined;
  keyIndex = 0;
  stored: StoredState | null | undefined = undefined;
  point: CumulativePoint | undefined = undefined;
  changed = false;
  next: StoredState | undefined = undefined;

  constructor(
    readonly sid: string,
    /** What the cache knows of it. */
    readonly cell: SeriesCell,
    mark: boolean,
  ) {
    this.mark = mark;
  }
}

/**
 * The series of one call, found once per op when the call begins: each attempt then walks the ops
 * with their entries and slots at hand, without a lookup per op.
 */
export class CallSeries {
  readonly #call: IngestCall;
  readonly #cache: SeriesStateCache;
  /** Each series once, in the order they came. */
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
      const hint = op.cell;
      const cell =
        hint !== undefined && cache.holds(hint) && hint.sid === op.sid && hint.rollout === call.rollout
          ? hint
          : cache.cell(call.rollout, op.sid);
      let entry = this.#bySid.get(op.sid);
      if (entry === undefined) {
        entry = new CallEntry(op.sid, cell, this.#needsMark(cell));
        this.#bySid.set(op.sid, entry);
      }
      this.entries[i] = entry;
      if (op.k === 'c') this.slots[i] = this.#slot(entry, op.sk);
    }
  }

  #needsMark(cell: SeriesCell): boolean {
    const at = cell.markedAt;
    const now = this.#call.nowMs;
    return at === undefined || now - at >= MARK_REFRESH_MS || at > now;
  }

  #slot(entry: CallEntry, keyIndex: number): StateSlot {
    if (entry.slot?.keyIndex === keyIndex) return entry.slot;
    let slot: StateSlot;
    if (entry.slot === undefined) {
      entry.keyIndex = keyIndex;
      entry.stored = entry.cell.state(this.#stateKey(keyIndex));
      entry.slot = entry;
      slot = entry;
    } else {
      // A second state key for one series is rare: only then is a key string built.
      const other = `${keyIndex} ${entry.sid}`;
      const known = this.#others?.get(other);
      if (known !== undefined) return known;
      slot = {
        sid: entry.sid,
        entry,
        keyIndex,
        stored: entry.cell.state(this.#stateKey(keyIndex)),
        point: undefined,
        changed: false,
        next: undefined,
      };
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
      const stateKey = this.#stateKey(keyIndex);
      reads.push(
        this.#cache
          .readStates(
            redis,
            stateKey,
            missing.map((slot) => slot.sid),
          )
          .then((states) => {
            missing.forEach((slot, i) => {
              const state = states[i] ?? null;
              slot.stored = state;
              slot.entry.cell.setState(stateKey, state);
            });
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
    const entry = this.#bySid.get(sid);
    if (entry === undefined) return;
    entry.cell.forgetState(this.#stateKey(keyIndex));
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
      for (const slot of slots) if (slot.next !== undefined) slot.entry.cell.setState(stateKey, slot.next);
    }
    for (const entry of this.#bySid.values()) {
      if (entry.mark && !entry.refused) entry.cell.markedAt = this.#call.nowMs;
    }
  }
}
