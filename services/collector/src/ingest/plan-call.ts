import { createHash } from 'node:crypto';
import type { CallEntry, CallSeries, StateSlot } from './call-series.ts';
import { addIncrease, type CumulativePoint, increaseBase } from './cumulative.ts';
import type { IngestCall, IngestOp } from './ingest-call.ts';
import type { BucketWrite, StateSection } from './script-protocol.ts';

/*
 * One attempt of an ingest call, planned from the states the call knows: the increases of
 * cumulative series, the sums per bucket key, the series to mark active and the states to expect
 * and write — what the script is sent (`ScriptCall`), and what the cache learns if it applies it.
 */

/** Sums, minimum, maximum and latest value for one target group or one bucket key. */
interface Accumulator {
  adds: Record<string, number>;
  min?: number;
  max?: number;
  lastValue?: number;
  lastTime?: number;
}

export interface Plan {
  /** Series to mark active. */
  marks: string[];
  states: StateSection[];
  buckets: BucketWrite[];
  /** Per state section, its slots (written or compared), for the cache once applied. */
  sectionSlots: StateSlot[][];
  /** Points counted, left out as refused by the cap, and ignored as older than a stored one. */
  accepted: number;
  refused: number;
  ignored: number;
}

/** Every op in order (several points of one series each see the one before), then the call's parts. */
export function planCall(call: IngestCall, series: CallSeries): Plan {
  const groups: Array<Accumulator | undefined> = [];
  let accepted = 0;
  let refused = 0;
  let ignored = 0;
  // The planning scratch of every slot starts from the stored state, each attempt.
  for (const slots of series.byKey.values()) {
    for (const slot of slots) {
      if (slot.stored === undefined && !slot.entry.refused) {
        throw new Error(`series state of ${slot.seriesId} was not read before planning`);
      }
      slot.point = slot.stored?.point;
      slot.changed = false;
      slot.written = undefined;
    }
  }

  const ops = call.ops;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as IngestOp;
    const points = op.points ?? 1;
    if ((series.entries[i] as CallEntry).refused) {
      refused += points;
      continue;
    }
    // What the op adds: its fields as they are, or (cumulative) their increase since `base`.
    let base: Readonly<Record<string, number>> | undefined;
    if (op.kind === 'cumulative') {
      const slot = series.slots[i] as StateSlot;
      if (slot.point !== undefined && op.timeMs <= slot.point.timeMs) {
        ignored += points;
        continue;
      }
      base = increaseBase(op, slot.point, op.monotonic, call.freshAfterMs);
      // The op is the series' latest point from here on (the state encoder keeps a copy of it).
      slot.point = op;
      slot.changed = true;
    }
    let acc = groups[op.group];
    if (acc === undefined) {
      acc = { adds: {} };
      groups[op.group] = acc;
    }
    if (op.kind === 'delta') addInto(acc.adds, op.fields);
    else if (base !== undefined) addIncrease(acc.adds, op.fields, base);
    mergeExtremes(acc, op);
    accepted += points;
  }

  const marks: string[] = [];
  for (const entry of series.series()) if (entry.mark && !entry.refused) marks.push(entry.seriesId);
  const { states, sectionSlots } = sections(series);
  const buckets = spreadGroups(groups, call.groups);
  return { marks, states, buckets, sectionSlots, accepted, refused, ignored };
}

/**
 * Spreads each group over its keys; a key shared by groups (the 5 min and 1 h buckets, the wave
 * total) merges their sums, minima, maxima and latest values first.
 */
function spreadGroups(
  groups: ReadonlyArray<Accumulator | undefined>,
  keysOf: IngestCall['groups'],
): BucketWrite[] {
  const buckets = new Map<number, Accumulator & { ttlSeconds: number }>();
  groups.forEach((acc, g) => {
    if (acc === undefined) return;
    for (const { keyIndex, ttlSeconds } of keysOf[g] ?? []) {
      let bucket = buckets.get(keyIndex);
      if (bucket === undefined) {
        bucket = { adds: {}, ttlSeconds };
        buckets.set(keyIndex, bucket);
      }
      if (ttlSeconds > bucket.ttlSeconds) bucket.ttlSeconds = ttlSeconds;
      addInto(bucket.adds, acc.adds);
      mergeExtremes(bucket, acc);
    }
  });
  const writes: BucketWrite[] = [];
  for (const [keyIndex, bucket] of buckets) {
    writes.push({
      keyIndex,
      ttlSeconds: bucket.ttlSeconds,
      fields: Object.entries(bucket.adds).filter(([, amount]) => amount !== 0 && Number.isFinite(amount)),
      min: bucket.min,
      max: bucket.max,
      lastValue: bucket.lastValue,
      lastTime: bucket.lastTime,
    });
  }
  return writes;
}

/**
 * Per state key, its series that the call writes or checks: the state each is to hold and the one it
 * must hold now, the writer token the key should hold and whether the chain of that token vouches for
 * every expected state (series-state.ts `StateChain`). Each changed slot's new state is encoded here, once.
 */
function sections(series: CallSeries): { states: StateSection[]; sectionSlots: StateSlot[][] } {
  // A series whose points were all ignored as old is checked too (its state is written back as it
  // was): they were judged old against the state this collector knows, which must be Redis's.
  const states: StateSection[] = [];
  const sectionSlots: StateSlot[][] = [];
  for (const [keyIndex, slots] of series.byKey) {
    const seriesIds: string[] = [];
    const next: string[] = [];
    const expected: string[] = [];
    const inSection: StateSlot[] = [];
    const { stateKey, token, epoch, busy } = series.chain(keyIndex);
    let vouched = token !== undefined;
    for (const slot of slots) {
      if (slot.entry.refused) continue;
      const raw = slot.stored?.raw;
      if (slot.changed) {
        const state = series.encodeState(slot.point as CumulativePoint);
        slot.written = state;
        next.push(state.raw as string);
      } else if (typeof raw === 'string' && raw !== '') next.push(raw);
      else continue;
      seriesIds.push(slot.seriesId);
      inSection.push(slot);
      // A state this version reads is plain text without a newline (`parseState`), sent as it is.
      expected.push(slot.stored?.point !== undefined ? (raw as string) : expectedText(raw ?? ''));
      if (vouched) vouched = slot.entry.cell.vouches(stateKey, slot.stored, epoch);
    }
    if (seriesIds.length > 0) {
      // Vouched for, the states need not be sent, unless another call may write the key first.
      const send = !vouched || busy;
      states.push({
        keyIndex,
        seriesIds,
        states: next,
        expected: send ? expected : undefined,
        expectedToken: token ?? '',
        vouched,
      });
      sectionSlots.push(inSection);
    }
  }
  return { states, sectionSlots };
}

function addInto(target: Record<string, number>, add: Readonly<Record<string, number>>) {
  for (const field in add) target[field] = (target[field] ?? 0) + (add[field] as number);
}

function mergeExtremes(
  acc: Accumulator,
  from: {
    readonly min?: number | undefined;
    readonly max?: number | undefined;
    readonly lastValue?: number | undefined;
    readonly lastTime?: number | undefined;
  },
) {
  if (from.min !== undefined && (acc.min === undefined || from.min < acc.min)) acc.min = from.min;
  if (from.max !== undefined && (acc.max === undefined || from.max > acc.max)) acc.max = from.max;
  if (
    from.lastTime !== undefined &&
    from.lastValue !== undefined &&
    (acc.lastTime === undefined || from.lastTime >= acc.lastTime)
  ) {
    acc.lastValue = from.lastValue;
    acc.lastTime = from.lastTime;
  }
}

/**
 * What the script compares a stored value with: itself, or the digest of bytes this version cannot
 * read (and of any text with a newline, which would part the script's argument).
 */
function expectedText(raw: string | Buffer): string {
  return typeof raw === 'string' && !raw.includes('\n')
    ? raw
    : `#${createHash('sha1').update(raw).digest('hex')}`;
}
