/**
 * The metric data the collector writes and the evaluator reads: per rollout, metric and cohort, HASHes
 * of numeric fields that merge by addition (a sparse vector), at several time resolutions, plus a
 * running total per wave and the baseline total. Layout and reasons: services/collector/src/ingest/README.md.
 */

import { createHash } from 'node:crypto';
import { rolloutKeys, SERIES_STATE_FENCE_SEGMENT, SERIES_STATE_SEGMENT } from '../redis/keys.ts';

export type Cohort = 'treatment' | 'control' | 'baseline';
export const COHORTS: readonly Cohort[] = ['treatment', 'control', 'baseline'];

export interface Resolution {
  readonly name: string;
  readonly ms: number;
  /** How long a bucket of this size lives after its last write (seconds, via EXPIRE). */
  readonly ttlSeconds: number;
}

const HOUR = 3600;
const DAY = 24 * HOUR;

/** The longest trailing window a check may use (PRODUCT.md: windows from 10 s to 7 d). */
export const MAX_WINDOW_MS = 7 * DAY * 1000;

/**
 * 10 s buckets hold the recent past at the resolution of the shortest window; 5 min and 1 h buckets
 * hold the longest window plus a day of slack (a 1 h baseline, late reads). A window is read as the
 * coarsest aligned buckets inside it plus finer ones at its edges, so a 7 d window is ~200 reads and
 * any window is exact to 10 s at its recent edge and to 5 min at an edge older than 6 h.
 */
export const RESOLUTIONS: readonly Resolution[] = [
  { name: '10s', ms: 10_000, ttlSeconds: 6 * HOUR },
  { name: '5m', ms: 300_000, ttlSeconds: 8 * DAY },
  { name: '1h', ms: 3_600_000, ttlSeconds: 8 * DAY },
];

/** Ingest refuses points further ahead of its clock than this, so no bucket starts later. */
export const KEPT_FUTURE_MS = 10 * 60_000;

/**
 * The span any bucket can still hold data for: from the oldest kept (the longest-lived resolution)
 * to the furthest ahead ingest accepts. Reads are clamped to it, so a range of any length, even
 * one ending in the year 275760, reads a bounded number of keys (a 7 d window's ~200 at most).
 */
export function keptRange(nowMs: number): { readonly fromMs: number; readonly toMs: number } {
  const longest = Math.max(...RESOLUTIONS.map((r) => r.ttlSeconds)) * 1000;
  const coarsest = RESOLUTIONS.at(-1)!.ms;
  return { fromMs: Math.floor((nowMs - longest) / coarsest) * coarsest, toMs: nowMs + KEPT_FUTURE_MS };
}

/** Wave totals outlive the longest bake with its extensions (21 d bake, maxBake twice that). */
export const WAVE_TOTAL_TTL_SECONDS = 60 * DAY;
export const BASELINE_TTL_SECONDS = 60 * DAY;

// Keys, through the shared key scheme. Metric names may hold ':' (Prometheus recording rules) and other
// characters a key part must not: they are percent-escaped, which keeps distinct names distinct.
export function metricKeyPart(metric: string): string {
  return metric.replace(/[%:{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function bucketKey(
  rollout: string,
  resolution: string,
  metric: string,
  cohort: Cohort,
  startMs: number,
) {
  return rolloutKeys(rollout).metricBucket(resolution, metricKeyPart(metric), cohort, startMs);
}
export function waveTotalKey(rollout: string, waveEpoch: number, metric: string, cohort: Cohort) {
  return rolloutKeys(rollout).waveTotal(waveEpoch, metricKeyPart(metric), cohort);
}
export function baselineKey(rollout: string, metric: string) {
  return rolloutKeys(rollout).baselineTotal(metricKeyPart(metric));
}
/**
 * seriesId → the series' last cumulative point (`<start> <time> <field>=<value> …`, written by the
 * collector's ingest script), and `SERIES_STATE_WRITER_FIELD`.
 */
export function seriesStateKey(rollout: string, metric: string) {
  return rolloutKeys(rollout).seriesState(metricKeyPart(metric));
}
/**
 * The field of a series-state hash naming its last writer: a token the ingest script writes with every
 * call it applies, so a collector sees whether anything else wrote the hash since its own last call
 * (services/collector/src/ingest/README.md). No series id (16 hex characters) takes this name. Anything
 * else that changes or removes series states in the hash must change or remove this field too.
 */
export const SERIES_STATE_WRITER_FIELD = '~writer';
/**
 * The upgrade fence of a series-state key: the name its states had before writer tokens, built from
 * the key itself (same rollout, same hash tag, the older segment). The ingest script moves states left
 * under that name to the key and keeps a STRING there, so that a collector of the older version, which
 * reads that name as a hash before writing anything, fails instead of writing states behind a token.
 */
export function seriesStateFenceKey(stateKey: string): string {
  const segment = `}:${SERIES_STATE_SEGMENT}:`;
  const at = stateKey.indexOf(segment);
  if (at < 0) throw new Error(`"${stateKey}" is not a series-state key`);
  return `${stateKey.slice(0, at)}}:${SERIES_STATE_FENCE_SEGMENT}:${stateKey.slice(at + segment.length)}`;
}
/** What the fence holds: a reader finding it learns where the states went. */
export const SERIES_STATE_FENCE_TEXT = `moved to ${SERIES_STATE_SEGMENT} by a collector with writer tokens`;
/**
 * How long a fence outlives the last call that wrote the key's states (each call sets it again). Longer
 * than any pause in one section's traffic while both versions run in a rolling upgrade, so the fence
 * stays up through one; short, so that a downgrade's collectors write states again (afresh, under the
 * older name) ten minutes after the newer version's last write.
 */
export const SERIES_STATE_FENCE_TTL_SECONDS = 600;
/** Digests of the batches already applied to this rollout: a retried batch counts once. */
export function batchMarkersKey(rollout: string) {
  return rolloutKeys(rollout).batchMarkers;
}
/** seriesId → last seen (ms): the rollout's active series, for the cardinality cap. */
export function activeSeriesKey(rollout: string) {
  return rolloutKeys(rollout).activeSeries;
}

// Fields of a bucket hash.
export const FIELD = {
  count: 'n',
  sum: 's',
  sumSquares: 'q',
  min: 'mn',
  max: 'mx',
  lastValue: 'lv',
  lastTime: 'lt',
  zeroCount: 'z',
  counterIncrease: 'ci',
  /** Zero values among the raw samples (the sketch below holds the others). */
  rawZeroCount: 'rz',
} as const;

/** Raw (non-histogram) values go into exponential buckets of this fixed scale: base 2^(1/32), ±1.1 %. */
export const SAMPLE_SKETCH_SCALE = 5;

/**
 * `b:<layout>:<le>`: the upper bound as Prometheus writes `le` ("0.5", "+Inf"), tagged with the digest
 * of the series' bucket layout (`explicitLayout`). Series with the same layout add field by field;
 * different layouts stay apart so the reader can merge whole histograms without splitting a bucket.
 */
export function explicitBucketField(layout: string, upperBound: number): string {
  return `b:${layout}:${formatBound(upperBound)}`;
}

/**
 * `c:<le>`: a classic Prometheus histogram received through remote write, one `_bucket` series at a time.
 * Prometheus spreads a histogram's series over parallel shards, so its buckets arrive in different
 * requests and cannot be turned into per-bucket counts on the way in: each series adds the increase of
 * its cumulative count (observations ≤ le) to this field, summed over every series of the metric and
 * cohort whatever their layout; `_count` and `_sum` go to `n` and `s`. The reader makes the sums
 * non-decreasing and differences them (`toCohortStats`).
 */
export function cumulativeBucketField(upperBound: number): string {
  return `c:${formatBound(upperBound)}`;
}

/** Fields written before layouts were tagged (`b:<le>`) are read as this one layout. */
export const UNTAGGED_LAYOUT = '';

const LAYOUT_CACHE_MAX = 1024;
const layoutCache = new Map<string, string>();

/**
 * A short stable digest of a histogram's finite upper bounds (strictly increasing, as senders give
 * them): 6 base64url characters (36 bits), so two layouts of one metric colliding is vanishingly
 * unlikely while field names stay short. Memoized: points of one layout arrive at a high rate.
 */
export function explicitLayout(bounds: readonly number[]): string {
  const text = bounds.map(formatBound).join(',');
  let digest = layoutCache.get(text);
  if (digest === undefined) {
    digest = createHash('sha256').update(text).digest('base64url').slice(0, 6);
    // Dropped whole when full: a bounded memory, and a refill costs one hash per layout.
    if (layoutCache.size >= LAYOUT_CACHE_MAX) layoutCache.clear();
    layoutCache.set(text, digest);
  }
  return digest;
}
export function formatBound(upperBound: number): string {
  if (upperBound === Number.POSITIVE_INFINITY) return '+Inf';
  return String(upperBound);
}
export function expBucketField(scale: number, sign: 'p' | 'n', index: number): string {
  return `e:${scale}:${sign}:${index}`;
}
/** Raw samples' sketch: exponential buckets at SAMPLE_SKETCH_SCALE, apart from histograms the sender sent. */
export function rawSketchField(sign: 'p' | 'n', index: number): string {
  return `r:${sign}:${index}`;
}

/** A bucket hash, parsed: what the fields say, merged by the rules of each field. */
export interface BucketVector {
  count: number;
  sum: number;
  sumSquares: number;
  min?: number;
  max?: number;
  lastValue?: number;
  lastTime?: number;
  counterIncrease: number;
  /** Layout digest → upper bound → count in that bucket (not cumulative); see `explicitBucketField`. */
  explicit: Map<string, Map<number, number>>;
  /**
   * Upper bound → summed increase of the cumulative count ≤ it (`cumulativeBucketField`). As stored, so
   * not necessarily non-decreasing in the bound: series of different layouts, or one whose increase
   * landed in a later bucket, can break that; the reader repairs it.
   */
  cumulative: Map<number, number>;
  /** Scale → signed index (`n` as negative magnitudes) → count. */
  exponential: Map<number, { positive: Map<number, number>; negative: Map<number, number> }>;
  zeroCount: number;
  /** The raw samples' sketch at SAMPLE_SKETCH_SCALE. */
  raw: { positive: Map<number, number>; negative: Map<number, number>; zeroCount: number };
}

export function emptyBucketVector(): BucketVector {
  return {
    count: 0,
    sum: 0,
    sumSquares: 0,
    counterIncrease: 0,
    explicit: new Map(),
    cumulative: new Map(),
    exponential: new Map(),
    zeroCount: 0,
    raw: { positive: new Map(), negative: new Map(), zeroCount: 0 },
  };
}

/** Parses one HGETALL answer. Unknown fields are ignored so an older reader survives a newer writer. */
export function parseBucketFields(fields: Record<string, string>): BucketVector {
  const vector = emptyBucketVector();
  for (const [field, text] of Object.entries(fields)) {
    const value = Number(text);
    if (Number.isNaN(value)) continue;
    switch (field) {
      case FIELD.count:
        vector.count = value;
        break;
      case FIELD.sum:
        vector.sum = value;
        break;
      case FIELD.sumSquares:
        vector.sumSquares = value;
        break;
      case FIELD.min:
        vector.min = value;
        break;
      case FIELD.max:
        vector.max = value;
        break;
      case FIELD.lastValue:
        vector.lastValue = value;
        break;
      case FIELD.lastTime:
        vector.lastTime = value;
        break;
      case FIELD.zeroCount:
        vector.zeroCount = value;
        break;
      case FIELD.counterIncrease:
        vector.counterIncrease = value;
        break;
      case FIELD.rawZeroCount:
        vector.raw.zeroCount = value;
        break;
      default:
        parseBucketField(vector, field, value);
    }
  }
  return vector;
}

function parseBucketField(vector: BucketVector, field: string, value: number) {
  if (field.startsWith('b:')) {
    const split = field.indexOf(':', 2);
    const layout = split < 0 ? UNTAGGED_LAYOUT : field.slice(2, split);
    const text = field.slice(split < 0 ? 2 : split + 1);
    const bound = text === '+Inf' ? Number.POSITIVE_INFINITY : Number(text);
    if (text !== '' && !Number.isNaN(bound)) addTo(layoutOf(vector.explicit, layout), bound, value);
    return;
  }
  if (field.startsWith('c:')) {
    const bound = parseBound(field.slice(2));
    if (bound !== null) addTo(vector.cumulative, bound, value);
    return;
  }
  const raw = /^r:([pn]):(-?\d+)$/.exec(field);
  if (raw !== null) {
    addTo(raw[1] === 'p' ? vector.raw.positive : vector.raw.negative, Number(raw[2]), value);
    return;
  }
  const match = /^e:(-?\d+):([pn]):(-?\d+)$/.exec(field);
  if (match === null) return;
  const scale = Number(match[1]);
  let perScale = vector.exponential.get(scale);
  if (perScale === undefined) {
    perScale = { positive: new Map(), negative: new Map() };
    vector.exponential.set(scale, perScale);
  }
  addTo(match[2] === 'p' ? perScale.positive : perScale.negative, Number(match[3]), value);
}

/** An upper bound as `formatBound` writes it: a finite number or `+Inf`; anything else is malformed. */
function parseBound(text: string): number | null {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text.trim() !== text) return null;
  const bound = Number(text);
  return text !== '' && Number.isFinite(bound) ? bound : null;
}

function layoutOf(explicit: Map<string, Map<number, number>>, layout: string): Map<number, number> {
  let counts = explicit.get(layout);
  if (counts === undefined) {
    counts = new Map();
    explicit.set(layout, counts);
  }
  return counts;
}

function addTo(map: Map<number, number>, key: number, value: number) {
  map.set(key, (map.get(key) ?? 0) + value);
}

/** Adds `from` into `into`: sums add, min/max take the extreme, last value keeps the latest. */
export function mergeBucketVector(into: BucketVector, from: BucketVector): BucketVector {
  into.count += from.count;
  into.sum += from.sum;
  into.sumSquares += from.sumSquares;
  into.counterIncrease += from.counterIncrease;
  into.zeroCount += from.zeroCount;
  if (from.min !== undefined && (into.min === undefined || from.min < into.min)) into.min = from.min;
  if (from.max !== undefined && (into.max === undefined || from.max > into.max)) into.max = from.max;
  if (
    from.lastTime !== undefined &&
    from.lastValue !== undefined &&
    (into.lastTime === undefined || from.lastTime >= into.lastTime)
  ) {
    into.lastTime = from.lastTime;
    into.lastValue = from.lastValue;
  }
  for (const [layout, counts] of from.explicit) {
    const target = layoutOf(into.explicit, layout);
    for (const [bound, count] of counts) addTo(target, bound, count);
  }
  for (const [bound, count] of from.cumulative) addTo(into.cumulative, bound, count);
  into.raw.zeroCount += from.raw.zeroCount;
  for (const [index, count] of from.raw.positive) addTo(into.raw.positive, index, count);
  for (const [index, count] of from.raw.negative) addTo(into.raw.negative, index, count);
  for (const [scale, sides] of from.exponential) {
    let target = into.exponential.get(scale);
    if (target === undefined) {
      target = { positive: new Map(), negative: new Map() };
      into.exponential.set(scale, target);
    }
    for (const [index, count] of sides.positive) addTo(target.positive, index, count);
    for (const [index, count] of sides.negative) addTo(target.negative, index, count);
  }
  return into;
}

export interface BucketRef {
  readonly resolution: Resolution;
  readonly startMs: number;
}

/**
 * The buckets whose union covers [fromMs, toMs): the coarsest aligned buckets inside, finer ones at the
 * edges. Edges snap outward to the finest resolution still kept at that age (10 s within 6 h, else 5 min),
 * so the window read may be a little longer than asked, never shorter, and never reads expired buckets.
 * The part of the window outside `keptRange` holds nothing and is not read.
 */
export function planWindow(requestedFromMs: number, requestedToMs: number, nowMs: number): BucketRef[] {
  const kept = keptRange(nowMs);
  const fromMs = Math.max(requestedFromMs, kept.fromMs);
  const toMs = Math.min(requestedToMs, kept.toMs);
  if (!(fromMs < toMs)) return [];
  const finest = (at: number) => RESOLUTIONS.findIndex((r) => at >= nowMs - r.ttlSeconds * 1000);
  const leftLevel = Math.max(finest(fromMs), 0);
  const rightLevel = Math.max(finest(toMs), 0);
  const leftMs = RESOLUTIONS[leftLevel]!.ms;
  const rightMs = RESOLUTIONS[rightLevel]!.ms;
  const from = Math.floor(fromMs / leftMs) * leftMs;
  const to = Math.ceil(toMs / rightMs) * rightMs;
  const refs: BucketRef[] = [];
  cover(from, to, RESOLUTIONS.length - 1, refs);
  return refs.sort((a, b) => a.startMs - b.startMs || b.resolution.ms - a.resolution.ms);
}

function cover(from: number, to: number, level: number, refs: BucketRef[]) {
  if (from >= to || level < 0) return;
  const resolution = RESOLUTIONS[level]!;
  const first = Math.ceil(from / resolution.ms) * resolution.ms;
  const last = Math.floor(to / resolution.ms) * resolution.ms;
  if (first >= last) {
    cover(from, to, level - 1, refs);
    return;
  }
  for (let start = first; start < last; start += resolution.ms) refs.push({ resolution, startMs: start });
  cover(from, first, level - 1, refs);
  cover(last, to, level - 1, refs);
}

/** The start of the bucket of each resolution that holds time `atMs`. */
export function bucketStarts(atMs: number): Array<{ resolution: Resolution; startMs: number }> {
  return RESOLUTIONS.map((resolution) => ({
    resolution,
    startMs: Math.floor(atMs / resolution.ms) * resolution.ms,
  }));
}
