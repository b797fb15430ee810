import type { RedisClient } from '@rollout-guard/shared/redis';
import type { CumulativePoint } from './cumulative.ts';
import type { IngestCall, IngestOp } from './ingest-call.ts';
import type { Plan } from './plan-call.ts';
import { type FoundToken, keyAt } from './script-protocol.ts';
import type { SeriesCell, SeriesStateCache, StoredState } from './series-state.ts';

/*
 * The series of one ingest call, with what the call knows of each: whether the cap refused it,
 * whether to mark it active, and its stored cumulative state per state key (read from the cache or
 * from Redis, forgotten when the script says it changed, and given to the cache once applied).
 */

/**
 * A series this collector marked active less than this long ago is not sent to be marked again: the
 * active set's window is an hour, so its "last seen" stays exact to a minute for a fraction of the work.
 */
const MARK_REFRESH_MS = 60_000;

/** One cumulative series' state in one state key, as this call knows and changes it. */
export interface StateSlot {
  readonly seriesId: string;
  readonly entry: CallEntry;
  /** KEYS index of the state hash. */
  readonly keyIndex: number;
  /** As Redis holds it (null: none), undefined until read. */
  stored: StoredState | null | undefined;
  /** Planning scratch (`planCall` resets it each attempt): the series' last point planned so far. */
  point: CumulativePoint | undefined;
  /** Planning scratch: a point of this attempt was planned, so `point` is the state to write. */
  changed: boolean;
  /** Planning scratch: the state written, as encoded once (for the cache once the script applied it). */
  written: StoredState | undefined;
}

/** A state key's chain of writer tokens as a plan reads it (`SeriesStateCache.chain`). */
export interface ChainView {
  readonly stateKey: string;
  readonly token: string | undefined;
  readonly epoch: number;
  /** Another call may write the key first (`SeriesStateCache.busy`): vouched states are sent all the same. */
  readonly busy: boolean;
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
  written: StoredState | undefined = undefined;

  constructor(
    readonly seriesId: string,
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
  /** The cache's count of forgettings when the call began: its cells are the cache's while it is the same. */
  readonly #forgets: number;
  /** Each series once, in the order they came. */
  readonly #series: CallEntry[] = [];
  /** The same by id, made when first asked for (a refusal, a changed state: not on every call). */
  #bySeries: Map<string, CallEntry> | undefined;
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
    // A series met again is found on its cell (`SeriesCell.callEntry`), not in a map by id: a map cost
    // more than the rest of this loop. A cell is the series' one while the cache is not dropped; if it
    // is dropped meanwhile (full), a series' ops could come with two cells, so from then on by id.
    const generation = cache.generation;
    this.#forgets = cache.forgets;
    const capRefused = cache.capRefused.of(call.rollout, call.nowMs);
    let byId: Map<string, CallEntry> | undefined;
    try {
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i] as IngestOp;
        const hint = op.cell;
        const cell =
          hint !== undefined &&
          cache.holds(hint) &&
          hint.seriesId === op.seriesId &&
          hint.rollout === call.rollout
            ? hint
            : cache.cell(call.rollout, op.seriesId);
        if (byId === undefined && cache.generation !== generation) byId = this.#byId();
        let entry = byId === undefined ? cell.callEntry : byId.get(op.seriesId);
        if (entry === undefined) {
          entry = new CallEntry(op.seriesId, cell, this.#needsMark(cell));
          if (capRefused?.has(op.seriesId)) entry.refused = true;
          cell.callEntry = entry;
          byId?.set(op.seriesId, entry);
          this.#series.push(entry);
        }
        this.entries[i] = entry;
        if (op.kind === 'cumulative') this.slots[i] = this.#slot(entry, op.stateKey);
      }
    } finally {
      // The cells are the cache's: they keep no entry of this call past it.
      for (const entry of this.#series) entry.cell.callEntry = undefined;
    }
  }

  #byId(): Map<string, CallEntry> {
    this.#bySeries ??= new Map(this.#series.map((entry) => [entry.seriesId, entry]));
    return this.#bySeries;
  }

  #needsMark(cell: SeriesCell): boolean {
    const at = cell.markedAt;
    const now = this.#call.nowMs;
    // Never marked (−∞), marked a while ago, or by a clock that has gone back since.
    return now - at >= MARK_REFRESH_MS || at > now;
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
      const other = `${keyIndex} ${entry.seriesId}`;
      const known = this.#others?.get(other);
      if (known !== undefined) return known;
      slot = {
        seriesId: entry.seriesId,
        entry,
        keyIndex,
        stored: entry.cell.state(this.#stateKey(keyIndex)),
        point: undefined,
        changed: false,
        written: undefined,
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

  #stateKey(keyIndex: number): string {
    return keyAt(this.#call.keys, keyIndex);
  }

  /** Reads, one HMGET per state key and thousand series, the states neither this call nor the cache knows. */
  async readStates(redis: RedisClient) {
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
            missing.map((slot) => slot.seriesId),
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

  /**
   * The cap refused the series: left out of this call's next attempts and, when the cap was `full`
   * before the call came (else another call may yet admit it), of the next minute's calls.
   */
  refuse(seriesId: string, full: boolean) {
    const entry = this.#byId().get(seriesId);
    if (entry !== undefined) entry.refused = true;
    if (full) this.#cache.capRefused.note(this.#call.rollout, seriesId, this.#call.nowMs);
  }

  forgetMarks() {
    this.#cache.forgetMarks(this.#call.rollout);
    for (const entry of this.#series) entry.mark = true;
  }

  forgetState(keyIndex: number, seriesId: string) {
    const entry = this.#byId().get(seriesId);
    if (entry === undefined) return;
    entry.cell.forgetState(this.#stateKey(keyIndex));
    const slot =
      entry.slot?.keyIndex === keyIndex ? entry.slot : this.#others?.get(`${keyIndex} ${seriesId}`);
    if (slot !== undefined) slot.stored = undefined;
  }

  /** The chain of this collector's writer tokens in a state key, as it is now. */
  chain(keyIndex: number): ChainView {
    const stateKey = this.#stateKey(keyIndex);
    const { token, epoch } = this.#cache.chain(stateKey);
    return { stateKey, token, epoch, busy: this.#cache.busy(stateKey, this.#call.nowMs) };
  }

  /** The plan is sent: its state keys are busy until the returned function is called. */
  sending(plan: Plan): () => void {
    return this.#cache.sending(plan.states.map((section) => this.#stateKey(section.keyIndex)));
  }

  /**
   * The script found other tokens than expected in these keys, where the call left out the states it
   * vouched for: another writer's. From now on they are sent there, this call's next attempt first.
   */
  unvouched(keyIndexes: readonly number[]) {
    for (const keyIndex of keyIndexes) this.#cache.contend(this.#stateKey(keyIndex), this.#call.nowMs);
  }

  /** The stored form of a state this call writes. */
  encodeState(point: CumulativePoint): StoredState {
    return this.#cache.encoder.encode(point);
  }

  /** Each series once, in the order they came. */
  series(): readonly CallEntry[] {
    return this.#series;
  }

  /**
   * The script applied the call, writing `token` into each state key of the plan: the cache learns the
   * states it wrote and compared, vouched for by the chain of tokens — still the one of the token the
   * key was expected to hold, unless the script found another there (`found`).
   */
  applied(plan: Plan, token: string, found: readonly FoundToken[]) {
    // A call that began before the cache was dropped (full), or forgot idle cells, may have written its
    // states into cells that are no longer the cache's, while the cache's own cells of the same series,
    // made since by other calls, may hold states stamped with the chain's epoch that this call has just
    // made older. So the chain breaks (nothing stamped before vouches) and the call's cells learn the
    // states unvouched. (Such a call never vouches: its cells hold no epoch given out since, epochs are
    // never reused.)
    const current = this.#cache.forgets === this.#forgets;
    plan.states.forEach((section, i) => {
      const stateKey = this.#stateKey(section.keyIndex);
      const held = found.find((f) => f.keyIndex === section.keyIndex)?.token ?? section.expectedToken;
      const epoch = this.#cache.extendChain(stateKey, held, token, this.#call.nowMs, current);
      for (const slot of plan.sectionSlots[i] as StateSlot[]) {
        slot.entry.cell.setState(stateKey, (slot.written ?? slot.stored) as StoredState, current ? epoch : 0);
      }
    });
    // Marked, so admitted: a refusal of it an attempt of another call of this collector heard before
    // (the cap's last room taken by this call's series first) no longer holds.
    const capRefused = this.#cache.capRefused.of(this.#call.rollout, this.#call.nowMs);
    for (const entry of this.#series) {
      if (!entry.mark || entry.refused) continue;
      entry.cell.markedAt = this.#call.nowMs;
      capRefused?.delete(entry.seriesId);
    }
  }
}
