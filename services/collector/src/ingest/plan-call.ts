import { createHash } from 'node:crypto';
import type { CallEntry, CallSeries, StateSlot } from './call-series.ts';
import { addIncrease, type CumulativePoint, increaseBase } from './cumulative.ts';
import type { IngestCall, IngestOp } from './ingest-call.ts';
import { encodeState } from './series-state.ts';

/*
 * One attempt of an ingest script call, planned: the increases of cumulative series from the states
 * this collector knows, the sums per bucket key, and the script's arguments (ingest.lua's ARGV).
 */

/** Sums, minimum, maximum and latest value for one target group or one bucket key. */
interface Accumulator {
  adds: Record<string, number>;
  mn?: number;
  mx?: number;
  lv?: number;
  lt?: number;
}

export interface Plan {
  args: Array<string | number>;
  accepted: number;
  refused: number;
  ignored: number;
}

/** Every op in order (several points of one series each see the one before), then the arguments. */
export function planCall(call: IngestCall, series: CallSeries): Plan {
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
    // What the op adds: its fields as they are, or (cumulative) their increase since `base`.
    let base: Readonly<Record<string, number>> | undefined;
    if (op.k === 'c') {
      const slot = series.slots[i] as StateSlot;
      if (slot.point !== undefined && op.ts <= slot.point.ts) {
        ignored += np;
        continue;
      }
      base = increaseBase(op, slot.point, op.mono, call.freshAfterMs);
      // The op is the series' latest point from here on (`encodeState` keeps a copy of it).
      slot.point = op;
      slot.changed = true;
    }
    let acc = groups[op.t];
    if (acc === undefined) {
      acc = { adds: {} };
      groups[op.t] = acc;
    }
    if (op.k === 'd') addInto(acc.adds, op.v);
    else if (base !== undefined) addIncrease(acc.adds, op.v, base);
    mergeExtremes(acc, op);
    accepted += np;
  }

  const buckets = spreadGroups(groups, call.targets);
  const { body, expected, marks } = scriptBody(series, buckets);
  const args = [
    call.digest,
    call.nowMs,
    call.markerMs,
    call.maxActiveSeries,
    call.activeSeriesMs,
    call.seriesStateSeconds,
    marks,
    expected.length,
    buckets.size,
    // Newline-separated rather than JSON: joining costs a third of JSON.stringify here, and no element
    // holds a newline (series ids are base64url, field names are the bucket scheme's, numbers are
    // numbers, and a stored state with a newline is compared by its digest).
    body.join('\n'),
    ...expected,
  ];
  return { args, accepted, refused: refusedPoints, ignored };
}

type Bucket = Accumulator & { ttl: number };

/**
 * Spreads each group over its keys; a key shared by groups (the 5 min and 1 h buckets, the wave
 * total) merges their sums, minima, maxima and latest values first.
 */
function spreadGroups(
  groups: ReadonlyArray<Accumulator | undefined>,
  targets: IngestCall['targets'],
): Map<number, Bucket> {
  const buckets = new Map<number, Bucket>();
  groups.forEach((acc, g) => {
    if (acc === undefined) return;
    for (const [keyIndex, ttl] of targets[g] ?? []) {
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
  return buckets;
}

/**
 * Everything per series and bucket in one list, sent as one argument (see ingest.lua) instead of
 * thousands; and per state key, the states expected of its series joined in one text, which the
 * script compares with what it holds at once. The list's length is counted first: it is made at that
 * size rather than grown element by element. Each changed slot's `next` is set here to the state the
 * call writes.
 */
function scriptBody(
  series: CallSeries,
  buckets: ReadonlyMap<number, Bucket>,
): { body: Array<string | number>; expected: string[]; marks: number } {
  const bucketFields = [...buckets.values()].map((bucket) =>
    Object.entries(bucket.adds).filter(([, v]) => v !== 0 && Number.isFinite(v)),
  );
  // A series whose points were all ignored as old is checked too (its state is written back as it
  // was): they were judged old against the state this collector knows, which must be Redis's.
  const sentByKey: Array<[number, StateSlot[]]> = [];
  for (const [keyIndex, slots] of series.byKey) {
    const sent = slots.filter(
      (slot) =>
        !slot.entry.refused &&
        (slot.changed || (typeof slot.stored?.raw === 'string' && slot.stored.raw !== '')),
    );
    if (sent.length > 0) sentByKey.push([keyIndex, sent]);
  }
  let marks = 0;
  for (const entry of series.series()) if (toMark(entry)) marks++;

  let length = marks;
  for (const [, sent] of sentByKey) length += 2 + 2 * sent.length;
  for (const fields of bucketFields) length += 3 + 2 * fields.length + 4;
  const body: Array<string | number> = new Array(length);
  const expected: string[] = new Array(sentByKey.length);
  let at = 0;
  for (const entry of series.series()) if (toMark(entry)) body[at++] = entry.sid;
  sentByKey.forEach(([keyIndex, sent], s) => {
    body[at++] = keyIndex;
    body[at++] = sent.length;
    const wants: string[] = new Array(sent.length);
    sent.forEach((slot, i) => {
      wants[i] = expectedText(slot.stored?.raw ?? '');
      body[at++] = slot.sid;
      if (slot.changed) {
        slot.next = encodeState(slot.point as CumulativePoint);
        body[at++] = slot.next.raw as string;
      } else body[at++] = slot.stored?.raw as string;
    });
    expected[s] = wants.join('\n');
  });
  let b = 0;
  for (const [keyIndex, bucket] of buckets) {
    const fields = bucketFields[b++] ?? [];
    body[at++] = keyIndex;
    body[at++] = bucket.ttl;
    body[at++] = fields.length;
    for (const [field, v] of fields) {
      body[at++] = field;
      body[at++] = String(v);
    }
    body[at++] = text(bucket.mn);
    body[at++] = text(bucket.mx);
    body[at++] = text(bucket.lt === undefined ? undefined : bucket.lv);
    body[at++] = text(bucket.lt);
  }
  if (at !== length) throw new Error(`ingest script argument: ${at} elements written, ${length} counted`);
  return { body, expected, marks };
}

/** A series the script is to mark active: due for a mark, and not refused by the cap. */
function toMark(entry: CallEntry): boolean {
  return entry.mark && !entry.refused;
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

/**
 * What the script compares a stored value with: itself, or the digest of bytes this version cannot
 * read (and of any text with a newline, which would part the script's argument).
 */
function expectedText(raw: string | Buffer): string {
  return typeof raw === 'string' && !raw.includes('\n')
    ? raw
    : `#${createHash('sha1').update(raw).digest('hex')}`;
}

function text(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '' : String(x);
}
