import { DecodeError } from './decode-error.ts';
import { BatchBuilder, type DecodedBatch } from './decoded-batch.ts';
import { nativeToExponential, readNativeHistogram } from './native-histogram.ts';
import type { SeriesMemo } from './point.ts';
import type { PromSample, PromType, StandaloneKind } from './prom-samples.ts';
import { aloneKind, pushStandalone, samplesToPoints, wantsSample } from './prom-samples.ts';
import { bytesEqual, WireReader } from './wire-reader.ts';

export interface RemoteWriteOptions {
  /** Prefilter on the series name (or its histogram family): the rest is counted and skipped unread. */
  readonly wantsMetric?: (name: string) => boolean;
  /**
   * Whether a rollout reads this very name: an `x_count` or `x_sum` that no metadata or bucket says
   * belongs to a histogram is `x`'s part unless a rollout reads `x_count` itself.
   */
  readonly readsMetric?: (name: string) => boolean;
  /**
   * The label sets of earlier requests (the ingest runtime keeps one per collector); without it the
   * request is decoded with a cache of its own, which only its repeated series profit from.
   */
  readonly labels?: RemoteWriteLabels;
}

/**
 * Which remote-write protocol a `Content-Type` asks for: 'v1' (prometheus.WriteRequest, also when
 * the header is absent, as Prometheus' own receiver assumes), 'v2' (io.prometheus.write.v2.Request,
 * which this collector does not implement: answer 415), or undefined for anything else (415).
 */
export function remoteWriteVersion(contentType: string | undefined | null): 'v1' | 'v2' | undefined {
  if (contentType === undefined || contentType === null || contentType.trim() === '') return 'v1';
  const [mediaType, ...params] = contentType.split(';').map((part) => part.trim());
  if (mediaType?.toLowerCase() !== 'application/x-protobuf') return undefined;
  for (const param of params) {
    const [key, value] = param.split('=').map((s) => s.trim().replace(/^"|"$/g, ''));
    if (key?.toLowerCase() !== 'proto') continue;
    if (value === 'prometheus.WriteRequest') return 'v1';
    if (value === 'io.prometheus.write.v2.Request') return 'v2';
    return undefined;
  }
  return 'v1';
}

const METRIC_TYPES: readonly PromType[] = [
  'unknown',
  'counter',
  'gauge',
  'histogram',
  'gaugehistogram',
  'summary',
  'info',
  'stateset',
];

/** Stale markers are one NaN bit pattern (0x7ff0000000000002) that Prometheus writes when a series ends. */
const STALE_HIGH = 0x7ff00000;
const STALE_LOW = 0x00000002;

/**
 * A decompressed remote write 1.0 body (prometheus.WriteRequest) → points. Read by hand rather
 * than through protobufjs so that a series whose name no rollout uses is skipped without building
 * its labels or samples (see README for the measurement).
 *
 * Throws DecodeError (400) for a malformed body, a series without `__name__`, an empty label name
 * or a label name given twice — as Prometheus' own receiver does, the whole request is refused.
 */
export function decodeRemoteWrite(body: Uint8Array, options: RemoteWriteOptions = {}): DecodedBatch {
  const r = new WireReader(body);
  const out = new BatchBuilder();
  const types = readTypes(body);
  // Samples whose kind their request as a whole decides (histogram and summary parts): the rest
  // become points as they are read.
  const samples: PromSample[] = [];
  const scratch: SeriesScratch = {
    labels: [],
    labelCount: 0,
    samples: [],
    sampleCount: 0,
    histograms: [],
    histogramCount: 0,
    valueStart: 0,
    valueEnd: 0,
    labelsFrom: -1,
    labelsInterleaved: false,
    lastLabels: undefined,
    cache: options.labels ?? new RemoteWriteLabels(),
  };
  let index = 0;
  while (r.pos < body.length) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 1 && wireType === 2) {
      const end = r.delimitedEnd();
      readSeries(r, end, index++, options, types, scratch, samples, out);
      r.pos = end;
    } else {
      r.skipField(wireType);
    }
  }
  // Each series of a classic histogram on its own: Prometheus' shards split them between requests.
  samplesToPoints(samples, types, out, { parts: true, readsMetric: options.readsMetric });
  return out.build();
}

const NO_TYPES: ReadonlyMap<string, PromType> = new Map();

/**
 * The request's metadata (metric types by family), read before its series so that a series whose
 * kind they settle becomes a point as it is read. Prometheus sends metadata in requests of its own,
 * so most requests have none; the other fields are skipped unread.
 */
function readTypes(body: Uint8Array): ReadonlyMap<string, PromType> {
  const r = new WireReader(body);
  let types: Map<string, PromType> | undefined;
  while (r.pos < body.length) {
    const tag = r.varint();
    const wireType = tag & 7;
    if (wireType !== 2) {
      r.skipField(wireType);
      continue;
    }
    const end = r.delimitedEnd();
    if (Math.floor(tag / 8) === 3) {
      types ??= new Map();
      readMetadata(r, end, types);
    }
    r.pos = end;
  }
  return types ?? NO_TYPES;
}

/**
 * Offsets of one series' sub-messages, reused across series to spare allocations: the arrays only
 * grow (setting a length of 0 would free them), the counts say how much of each is this series'.
 */
interface SeriesScratch {
  labels: number[];
  labelCount: number;
  samples: number[];
  sampleCount: number;
  histograms: number[];
  histogramCount: number;
  valueStart: number;
  valueEnd: number;
  /** Where the first label's tag starts: the label-cache key must include every length prefix. */
  labelsFrom: number;
  /** Other fields came between the labels: the key holds more than labels. */
  labelsInterleaved: boolean;
  /** The cached label set of the previous wanted series: its successor is the likely next one. */
  lastLabels: LabelEntry | undefined;
  cache: RemoteWriteLabels;
}

function readSeries(
  r: WireReader,
  end: number,
  index: number,
  options: RemoteWriteOptions,
  types: ReadonlyMap<string, PromType>,
  scratch: SeriesScratch,
  samples: PromSample[],
  out: BatchBuilder,
): void {
  const start = r.pos;
  let entry = expectedSeries(r, end, scratch);
  let name: string;
  let nameAt = -1;
  if (entry !== undefined) name = entry.name;
  else {
    r.pos = start;
    nameAt = locateFields(r, end, index, scratch);
    name = r.bytes.toString('utf8', nameAt, scratch.valueEnd);
    if (name === '') throw new DecodeError(`timeseries[${index}] has an empty __name__ label`);
  }
  const { sampleCount, histogramCount } = scratch;
  const { wantsMetric } = options;
  if (entry === undefined || entry.wantedBy !== wantsMetric) {
    if (!wantsSample(name, wantsMetric)) {
      out.drop('unwanted-metric', (sampleCount + histogramCount) / 2);
      return;
    }
    entry ??= cachedLabels(r, scratch, index, name, nameAt);
    entry.wantedBy = wantsMetric;
  }
  if (scratch.lastLabels !== undefined) scratch.lastLabels.next = entry;
  scratch.lastLabels = entry;
  entry.seen = scratch.cache.round;
  const labels = entry.labels;
  const kind = sampleCount > 0 ? entryKind(entry, types) : undefined;
  for (let i = 0; i < sampleCount; i += 2) {
    r.pos = scratch.samples[i] as number;
    readSample(r, scratch.samples[i + 1] as number, entry, kind, samples, out);
  }
  for (let i = 0; i < histogramCount; i += 2) {
    r.pos = scratch.histograms[i] as number;
    const raw = readNativeHistogram(r, scratch.histograms[i + 1] as number);
    const value = nativeToExponential(raw);
    if (value === 'stale-marker') out.drop('stale-marker');
    else if (typeof value === 'string') out.reject(value, `timeseries[${index}] ${name}`);
    else out.points.push({ name, attributes: labels, timeMs: raw.timeMs, value, memo: entry });
  }
}

/**
 * The series as a whole, in one pass: where each label, sample and histogram sits (nothing is decoded
 * yet). Returns where the `__name__` value starts (it ends at `scratch.valueEnd`).
 */
function locateFields(r: WireReader, end: number, index: number, scratch: SeriesScratch): number {
  let labelCount = 0;
  scratch.sampleCount = 0;
  scratch.histogramCount = 0;
  let nameStart = -1;
  let nameEnd = -1;
  let otherField = false;
  scratch.labelsFrom = -1;
  scratch.labelsInterleaved = false;
  while (r.pos < end) {
    const fieldStart = r.pos;
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (wireType === 2 && field >= 1 && field <= 4) {
      const subEnd = r.delimitedEnd();
      if (subEnd > end) r.fail('a field runs past its series');
      if (field === 1) {
        if (scratch.labelsFrom < 0) scratch.labelsFrom = fieldStart;
        else if (otherField) scratch.labelsInterleaved = true;
        scratch.labels[labelCount++] = r.pos;
        scratch.labels[labelCount++] = subEnd;
        // Only until found: a second __name__ is caught when the labels are decoded.
        if (nameStart < 0 && labelIsName(r, subEnd, scratch)) {
          nameStart = scratch.valueStart;
          nameEnd = scratch.valueEnd;
        }
      } else {
        notePart(scratch, field, r.pos, subEnd);
        if (scratch.labelsFrom >= 0) otherField = true;
      }
      r.pos = subEnd;
    } else {
      if (scratch.labelsFrom >= 0) otherField = true;
      r.skipField(wireType);
    }
  }
  if (r.pos !== end) r.fail('a series overruns its length');
  scratch.labelCount = labelCount;
  if (nameStart < 0) {
    throw new DecodeError(`timeseries[${index}] has no __name__ label; every series needs a metric name`);
  }
  scratch.valueEnd = nameEnd;
  return nameStart;
}

/** Whether this Label is `__name__`; its value's offsets go to scratch. Builds no strings. */
function labelIsName(r: WireReader, end: number, scratch: SeriesScratch): boolean {
  const start = r.pos;
  let isName = false;
  scratch.valueStart = start;
  scratch.valueEnd = start;
  while (r.pos < end) {
    const tag = r.varint();
    if ((tag & 7) !== 2) {
      r.skipField(tag & 7);
      continue;
    }
    const fieldEnd = r.delimitedEnd();
    if (fieldEnd > end) r.fail('a label runs past its end');
    const field = Math.floor(tag / 8);
    if (field === 1) {
      isName = bytesEqual(r.bytes, r.pos, fieldEnd, '__name__');
      if (!isName) break;
    } else if (field === 2) {
      scratch.valueStart = r.pos;
      scratch.valueEnd = fieldEnd;
    }
    r.pos = fieldEnd;
  }
  r.pos = start;
  return isName;
}

/**
 * Senders repeat the same series in every request, in the same order, so a label set is decoded
 * once and then found by its raw bytes: first by comparing the series' first bytes with the label
 * set that followed the previous series last time (one native compare; no label is walked, no
 * string made), else by a hash of the label bytes, checked against the bytes kept. Only valid label
 * sets of wanted series are cached; the cache is dropped whole when full, which bounds its memory (an
 * entry of an older generation is not trusted as a hint, so chains of them die).
 *
 * Memory, as it holds up to `limit` series: a set's bytes are kept once (keyed by their hash, not by
 * a string copy of them), and the names and label values its sets share (a job, a method, a status) are
 * one string each rather than one per set. A set's `LabelEntry` is also its series' memo: one object
 * a series rather than two. Sets no request held between two sweeps (`forgetIdle`) are forgotten.
 */
export class RemoteWriteLabels {
  #entries = new Map<number, LabelEntry>();
  #texts = new Map<string, string>();
  #generation = 0;
  /** Counts the sweeps: a set read since the last one has it as `seen`. */
  #round = 0;
  /** Sets forgotten so far: unsent for a sweep period (`idle`), or dropped with the cache when full (`full`). */
  readonly forgotten = { idle: 0, full: 0 };

  constructor(readonly limit = 50_000) {}

  /** Bumped each time the cache is dropped: an entry of an older one is no hint. */
  get generation(): number {
    return this.#generation;
  }

  /** The current sweep round: the decoder stamps each set a request holds with it (`LabelEntry.seen`). */
  get round(): number {
    return this.#round;
  }

  /** Label sets kept now. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Forgets the sets no request held since the last sweep (a forgotten set is no hint either), and the
   * shared label values with them. Returns how many sets were forgotten.
   */
  forgetIdle(): number {
    let forgotten = 0;
    for (const [hash, entry] of this.#entries) {
      if (entry.seen === this.#round) continue;
      this.#entries.delete(hash);
      entry.generation = FORGOTTEN;
      entry.next = undefined;
      forgotten++;
    }
    // Values of the forgotten sets would stay here until it filled; the kept sets hold their own.
    if (forgotten > 0) this.#texts = new Map();
    this.#round++;
    this.forgotten.idle += forgotten;
    return forgotten;
  }

  /** The label set whose label fields are `bytes[from, to)`, when kept. */
  get(bytes: Buffer, from: number, to: number): LabelEntry | undefined {
    const entry = this.#entries.get(labelsHash(bytes, from, to));
    return entry !== undefined && sameBytes(entry.key, bytes, from, to) ? entry : undefined;
  }

  /**
   * Keeps the entry `make` builds (for the current generation) for the label fields `bytes[from, to)`,
   * dropping the cache first when full. A set whose hash another kept set has takes its place.
   */
  add(
    bytes: Buffer,
    from: number,
    to: number,
    make: (key: Buffer, generation: number) => LabelEntry,
  ): LabelEntry {
    if (this.#entries.size >= this.limit) {
      this.forgotten.full += this.#entries.size;
      this.#entries = new Map();
      this.#texts = new Map();
      this.#generation++;
    }
    const entry = make(Buffer.from(bytes.subarray(from, to)), this.#generation);
    this.#entries.set(labelsHash(bytes, from, to), entry);
    return entry;
  }

  /** `text` as the one string kept for it, so that label sets sharing a value share its string. */
  shared(text: string): string {
    const known = this.#texts.get(text);
    if (known !== undefined) return known;
    // Values unique to a series gain nothing here: forgotten, a bounded number at a time.
    if (this.#texts.size >= this.limit * 4) this.#texts = new Map();
    this.#texts.set(text, text);
    return text;
  }
}

/** A forgotten set's generation: never the cache's, so never a hint. */
const FORGOTTEN = -1;

/** FNV-1a, 32 bits, of `bytes[from, to)`: a label set's key in `RemoteWriteLabels`. */
function labelsHash(bytes: Buffer, from: number, to: number): number {
  let hash = 0x811c9dc5;
  for (let i = from; i < to; i++) hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
  return hash;
}

function sameBytes(key: Buffer, bytes: Buffer, from: number, to: number): boolean {
  return key.length === to - from && bytes.compare(key, 0, key.length, from, to) === 0;
}

/** A kept label set; it is also the series' memo (`SeriesMemo`): one object per series, not two. */
interface LabelEntry extends SeriesMemo {
  /** The series' label fields as sent, from the first label's tag to the last label's end. */
  readonly key: Buffer;
  readonly name: string;
  /**
   * Where the `__name__` value sits in `key`, and its length in bytes; -1 when other fields came
   * between the labels (the key is then no series' labels alone, and never expected).
   */
  readonly nameAt: number;
  readonly nameLength: number;
  readonly labels: Record<string, string>;
  /** The cache's generation it was kept in; −1 once forgotten idle. */
  generation: number;
  /** The cache's sweep round when a request last held it (`RemoteWriteLabels.forgetIdle`). */
  seen: number;
  /** The label set that came after this one in the last request that held both. */
  next: LabelEntry | undefined;
  /** The prefilter that last said yes to this series: while it is the one asked, it is not asked again. */
  wantedBy: ((name: string) => boolean) | undefined;
  /** The series' kind under `kindTypes` (`aloneKind`): kept while requests come without metadata. */
  kind: StandaloneKind | undefined;
  kindTypes: ReadonlyMap<string, PromType> | undefined;
}

function entryKind(entry: LabelEntry, types: ReadonlyMap<string, PromType>): StandaloneKind | undefined {
  if (entry.kindTypes !== types) {
    entry.kind = aloneKind(entry.name, entry.labels, types);
    entry.kindTypes = types;
  }
  return entry.kind;
}

/**
 * The cached label set that followed the previous series last time, when this series starts with its
 * very bytes and has no other label: then only its samples and histograms are located (in scratch),
 * and no label is walked. Undefined otherwise, wherever the reader stopped.
 */
function expectedSeries(r: WireReader, end: number, scratch: SeriesScratch): LabelEntry | undefined {
  const hint = scratch.lastLabels?.next;
  if (hint === undefined || hint.generation !== scratch.cache.generation || hint.nameAt < 0) return undefined;
  const from = r.pos;
  const labelsEnd = from + hint.key.length;
  if (labelsEnd > end) return undefined;
  // Three bytes first, in place: most series that are not the expected one (others no rollout reads,
  // skipped unread) differ in their name's length, first or last byte.
  const { key, nameAt } = hint;
  const bytes = r.bytes;
  const last = nameAt + hint.nameLength - 1;
  if (
    bytes[from + nameAt - 1] !== key[nameAt - 1] ||
    bytes[from + nameAt] !== key[nameAt] ||
    bytes[from + last] !== key[last]
  ) {
    return undefined;
  }
  if (bytes.compare(key, 0, key.length, from, labelsEnd) !== 0) return undefined;
  scratch.sampleCount = 0;
  scratch.histogramCount = 0;
  r.pos = labelsEnd;
  while (r.pos < end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (wireType !== 2) {
      r.skipField(wireType);
      continue;
    }
    // Another label: a different label set, read in full by the caller.
    if (field === 1) return undefined;
    const subEnd = r.delimitedEnd();
    if (subEnd > end) r.fail('a field runs past its series');
    notePart(scratch, field, r.pos, subEnd);
    r.pos = subEnd;
  }
  if (r.pos !== end) r.fail('a series overruns its length');
  return hint;
}

/** Notes where a sample (field 2) or a native histogram (field 4) of the series sits; other fields are not kept. */
function notePart(scratch: SeriesScratch, field: number, start: number, end: number): void {
  if (field === 2) {
    scratch.samples[scratch.sampleCount++] = start;
    scratch.samples[scratch.sampleCount++] = end;
  } else if (field === 4) {
    scratch.histograms[scratch.histogramCount++] = start;
    scratch.histograms[scratch.histogramCount++] = end;
  }
}

function cachedLabels(
  r: WireReader,
  scratch: SeriesScratch,
  index: number,
  name: string,
  nameAt: number,
): LabelEntry {
  // From the first label's tag to the last label's end: bytes that parse one way only.
  const { cache } = scratch;
  const from = scratch.labelsFrom;
  const to = scratch.labels[scratch.labelCount - 1] as number;
  let entry = cache.get(r.bytes, from, to);
  if (entry === undefined) {
    const labels = readLabels(r, scratch.labels, scratch.labelCount, index, name, cache);
    entry = cache.add(r.bytes, from, to, (key, generation) => ({
      key,
      name: cache.shared(name),
      nameAt: scratch.labelsInterleaved ? -1 : nameAt - scratch.labelsFrom,
      nameLength: scratch.valueEnd - nameAt,
      labels,
      derived: undefined,
      generation,
      seen: cache.round,
      next: undefined,
      wantedBy: undefined,
      kind: undefined,
      kindTypes: undefined,
    }));
  }
  return entry;
}

function readLabels(
  r: WireReader,
  offsets: readonly number[],
  count: number,
  index: number,
  metric: string,
  cache: RemoteWriteLabels,
): Record<string, string> {
  const labels: Record<string, string> = {};
  // Names sent with empty values: absent from `labels`, still remembered to catch duplicates.
  let emptyNames: string[] | undefined;
  let sawName = false;
  for (let i = 0; i < count; i += 2) {
    r.pos = offsets[i] as number;
    const end = offsets[i + 1] as number;
    let name = '';
    let value = '';
    while (r.pos < end) {
      const tag = r.varint();
      const field = Math.floor(tag / 8);
      if (field === 1 && (tag & 7) === 2) name = r.string();
      else if (field === 2 && (tag & 7) === 2) value = r.string();
      else r.skipField(tag & 7);
    }
    if (name === '') throw new DecodeError(`timeseries[${index}] ${metric}: a label has an empty name`);
    const duplicate =
      name === '__name__' ? sawName : Object.hasOwn(labels, name) || (emptyNames?.includes(name) ?? false);
    if (duplicate) throw new DecodeError(`timeseries[${index}] ${metric}: label "${name}" appears twice`);
    if (name === '__name__') sawName = true;
    // An empty label value means the label is absent, in Prometheus' data model.
    else if (value === '') {
      emptyNames ??= [];
      emptyNames.push(name);
    } else labels[name] = cache.shared(value);
  }
  return labels;
}

function readSample(
  r: WireReader,
  end: number,
  entry: LabelEntry,
  kind: StandaloneKind | undefined,
  samples: PromSample[],
  out: BatchBuilder,
): void {
  let value = 0;
  let timeMs = 0;
  let stale = false;
  while (r.pos < end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    if (field === 1 && (tag & 7) === 1) {
      stale = r.nextDoubleIs(STALE_HIGH, STALE_LOW);
      value = r.double();
    } else if (field === 2 && (tag & 7) === 0) {
      timeMs = r.int64();
    } else {
      r.skipField(tag & 7);
    }
  }
  if (r.pos !== end) r.fail('a sample overruns its length');
  if (stale) out.drop('stale-marker');
  else if (kind !== undefined) pushStandalone(out, kind, entry.name, entry.labels, timeMs, value, entry);
  else samples.push({ name: entry.name, labels: entry.labels, value, timeMs, memo: entry });
}

function readMetadata(r: WireReader, end: number, types: Map<string, PromType>): void {
  let type: PromType = 'unknown';
  let family = '';
  while (r.pos < end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    if (field === 1 && (tag & 7) === 0) type = METRIC_TYPES[r.varint()] ?? 'unknown';
    else if (field === 2 && (tag & 7) === 2) family = r.string();
    else r.skipField(tag & 7);
  }
  if (family !== '') types.set(family, type);
}
