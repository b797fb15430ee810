import type { ExponentialBuckets, ExponentialHistogramValue } from './point.ts';
import type { WireReader } from './wire-reader.ts';

/** More dense buckets than any client produces (Prometheus' default cap is 160): a guard, not a limit. */
const MAX_DENSE_BUCKETS = 16_384;
const RESET_HINT_GAUGE = 3;

interface Span {
  offset: number;
  length: number;
}

interface RawNativeHistogram {
  countInt: number;
  countFloat: number | undefined;
  sum: number;
  sumIsStale: boolean;
  schema: number;
  zeroThreshold: number;
  zeroCountInt: number;
  zeroCountFloat: number | undefined;
  negativeSpans: Span[];
  negativeDeltas: number[];
  negativeCounts: number[];
  positiveSpans: Span[];
  positiveDeltas: number[];
  positiveCounts: number[];
  resetHint: number;
  timeMs: number;
}

function readSpan(r: WireReader, end: number): Span {
  const span = { offset: 0, length: 0 };
  while (r.pos < end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    if (field === 1 && (tag & 7) === 0) span.offset = r.sint();
    else if (field === 2 && (tag & 7) === 0) span.length = r.varint();
    else r.skipField(tag & 7);
  }
  return span;
}

/** Repeated scalars may come packed (wire type 2) or one by one; a reader must take both. */
function readRepeated(r: WireReader, wireType: number, into: number[], read: () => number): void {
  if (wireType !== 2) {
    into.push(read());
    return;
  }
  const end = r.delimitedEnd();
  while (r.pos < end) into.push(read());
  if (r.pos !== end) r.fail('packed field overruns its length');
}

/** Reads a prometheus.Histogram message (remote write 1.0 field 4 of TimeSeries) up to `end`. */
export function readNativeHistogram(r: WireReader, end: number): RawNativeHistogram {
  const h: RawNativeHistogram = {
    countInt: 0,
    countFloat: undefined,
    sum: 0,
    sumIsStale: false,
    schema: 0,
    zeroThreshold: 0,
    zeroCountInt: 0,
    zeroCountFloat: undefined,
    negativeSpans: [],
    negativeDeltas: [],
    negativeCounts: [],
    positiveSpans: [],
    positiveDeltas: [],
    positiveCounts: [],
    resetHint: 0,
    timeMs: 0,
  };
  while (r.pos < end) {
    const tag = r.varint();
    const wireType = tag & 7;
    switch (Math.floor(tag / 8)) {
      case 1:
        h.countInt = r.varint();
        break;
      case 2:
        h.countFloat = r.double();
        break;
      case 3: {
        h.sumIsStale = r.nextDoubleIs(0x7ff00000, 2);
        h.sum = r.double();
        break;
      }
      case 4:
        h.schema = r.sint();
        break;
      case 5:
        h.zeroThreshold = r.double();
        break;
      case 6:
        h.zeroCountInt = r.varint();
        break;
      case 7:
        h.zeroCountFloat = r.double();
        break;
      case 8:
        h.negativeSpans.push(readSpan(r, r.delimitedEnd()));
        break;
      case 9:
        readRepeated(r, wireType, h.negativeDeltas, () => r.sint());
        break;
      case 10:
        readRepeated(r, wireType, h.negativeCounts, () => r.double());
        break;
      case 11:
        h.positiveSpans.push(readSpan(r, r.delimitedEnd()));
        break;
      case 12:
        readRepeated(r, wireType, h.positiveDeltas, () => r.sint());
        break;
      case 13:
        readRepeated(r, wireType, h.positiveCounts, () => r.double());
        break;
      case 14:
        h.resetHint = r.varint();
        break;
      case 15:
        h.timeMs = r.int64();
        break;
      default:
        r.skipField(wireType);
    }
  }
  if (r.pos !== end) r.fail('histogram overruns its length');
  return h;
}

/**
 * Spans + deltas (integer histograms) or spans + absolute counts (float histograms) → dense
 * buckets in OTLP's indexing. Prometheus bucket i covers (base^(i-1), base^i], OTLP bucket i
 * covers (base^i, base^(i+1)], so the OTLP offset is one less than Prometheus' first index.
 */
function dense(
  spans: readonly Span[],
  deltas: readonly number[],
  counts: readonly number[],
): ExponentialBuckets | string {
  if (spans.length === 0) return { offset: 0, counts: [] };
  const integer = counts.length === 0;
  const values = integer ? deltas : counts;
  const out: number[] = [];
  const first = (spans[0] as Span).offset;
  let consumed = 0;
  let running = 0;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i] as Span;
    if (i > 0) {
      if (span.offset < 0) return 'bucket spans must not overlap';
      if (out.length + span.offset > MAX_DENSE_BUCKETS) return `more than ${MAX_DENSE_BUCKETS} buckets`;
      for (let g = 0; g < span.offset; g++) out.push(0);
    }
    if (out.length + span.length > MAX_DENSE_BUCKETS) return `more than ${MAX_DENSE_BUCKETS} buckets`;
    for (let j = 0; j < span.length; j++) {
      if (consumed >= values.length) return 'bucket spans list more buckets than counts were sent';
      const v = values[consumed++] as number;
      running = integer ? running + v : v;
      if (!(running >= 0)) return 'bucket counts must not be negative';
      out.push(running);
    }
  }
  if (consumed !== values.length) return 'more bucket counts were sent than the spans list';
  return { offset: first - 1, counts: out };
}

/** The exponential histogram point, 'stale-marker', or why the histogram is refused. */
export function nativeToExponential(
  h: RawNativeHistogram,
): ExponentialHistogramValue | 'stale-marker' | string {
  if (h.sumIsStale) return 'stale-marker';
  if (h.schema === -53) return 'native histograms with custom buckets (schema -53) are not supported';
  if (h.schema < -4 || h.schema > 8)
    return `native histogram schema must be between -4 and 8 (got ${h.schema})`;
  if (h.resetHint === RESET_HINT_GAUGE) return 'gauge native histograms are not supported';
  const positive = dense(h.positiveSpans, h.positiveDeltas, h.positiveCounts);
  if (typeof positive === 'string') return `positive ${positive}`;
  const negative = dense(h.negativeSpans, h.negativeDeltas, h.negativeCounts);
  if (typeof negative === 'string') return `negative ${negative}`;
  const count = h.countFloat ?? h.countInt;
  const zeroCount = h.zeroCountFloat ?? h.zeroCountInt;
  if (!Number.isFinite(count) || !Number.isFinite(zeroCount)) return 'count and zero count must be finite';
  const base = {
    kind: 'exponentialHistogram',
    temporality: 'cumulative',
    scale: h.schema,
    zeroCount,
    zeroThreshold: h.zeroThreshold,
    positive,
    negative,
    count,
  } as const;
  return Number.isFinite(h.sum) ? { ...base, sum: h.sum } : base;
}
