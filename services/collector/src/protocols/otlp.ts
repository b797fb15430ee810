import { DecodeError } from './decode-error.ts';
import { BatchBuilder, type DecodedBatch } from './decoded-batch.ts';
import { jsonDepthOverflow } from './json-depth.ts';
import { nanosToMs } from './nanos.ts';
import { Cursor } from './otlp-cursor.ts';
import { ExportMetricsServiceRequest } from './otlp-schema.ts';
import {
  addAttributes,
  double,
  has,
  int,
  isObj,
  list,
  type Obj,
  obj,
  str,
  temporality,
} from './otlp-values.ts';
import type { ExponentialBuckets, Point, PointValue, Temporality } from './point.ts';

/** Nesting an OTLP/JSON body may have: a request nests about 10 deep, attribute values a few more. */
export const MAX_JSON_DEPTH = 64;

export interface DecodeOptions {
  /**
   * Prefilter: points of a metric no rollout uses are counted as `unwanted-metric` and
   * dropped before any attribute map is built for them.
   */
  readonly wantsMetric?: (name: string) => boolean;
}

/**
 * The OTLP/HTTP encoding a `Content-Type` names: 'protobuf' (`application/x-protobuf`), 'json'
 * (`application/json`), or undefined for anything else, which the route answers with 415.
 * The response is written in the same encoding.
 */
export function otlpFormat(contentType: string | undefined | null): 'protobuf' | 'json' | undefined {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'application/x-protobuf') return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  return undefined;
}

/** OTLP/HTTP `application/x-protobuf` body → points. Throws DecodeError for a malformed body. */
export function decodeOtlpProtobuf(body: Uint8Array, options: DecodeOptions = {}): DecodedBatch {
  let request: unknown;
  try {
    request = ExportMetricsServiceRequest.decode(body);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new DecodeError(`body is not a valid OTLP ExportMetricsServiceRequest (protobuf): ${detail}`);
  }
  return convertRequest(request as Obj, options);
}

/** OTLP/HTTP `application/json` body → points. Throws DecodeError for a malformed body. */
export function decodeOtlpJson(body: Uint8Array | string, options: DecodeOptions = {}): DecodedBatch {
  const text =
    typeof body === 'string'
      ? body
      : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const tooDeep = jsonDepthOverflow(text, MAX_JSON_DEPTH);
  if (tooDeep !== undefined) {
    throw new DecodeError(
      `body nests deeper than ${MAX_JSON_DEPTH} levels at offset ${tooDeep}; an OTLP request nests about 10`,
    );
  }
  let request: unknown;
  try {
    request = JSON.parse(quoteLongTimestamps(text));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new DecodeError(`body is not valid JSON: ${detail}`);
  }
  if (!isObj(request))
    throw new DecodeError('body must be a JSON object (an OTLP ExportMetricsServiceRequest)');
  return convertRequest(request, options);
}

/**
 * OTLP/JSON allows 64-bit integers as JSON numbers, and the specification's own examples send
 * `"timeUnixNano": 1544712660300000000`. JSON.parse would round that to a double 256 ns away,
 * possibly into the previous millisecond, so timestamps too long to be exact doubles are turned
 * into strings before parsing. A key inside a JSON string has its quotes escaped and is left alone.
 */
const LONG_TIMESTAMP = /"((?:start)?[tT]imeUnixNano)"(\s*):(\s*)(\d{16,})/g;

function quoteLongTimestamps(text: string): string {
  return text.replace(LONG_TIMESTAMP, '"$1"$2:$3"$4"');
}

const NO_RECORDED_VALUE = 1;
const KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;
type Kind = (typeof KINDS)[number];

function convertRequest(request: Obj, options: DecodeOptions): DecodedBatch {
  const out = new BatchBuilder();
  const at = new Cursor();
  const resources = list(request.resourceMetrics, at, 'resourceMetrics');
  for (let r = 0; r < resources.length; r++) {
    at.depth = 1;
    at.resource = r;
    const rm = obj(resources[r], at, '');
    if (rm === undefined) continue;
    const scopes = list(rm.scopeMetrics, at, 'scopeMetrics');
    for (let s = 0; s < scopes.length; s++) {
      at.depth = 2;
      at.scope = s;
      const sm = obj(scopes[s], at, '');
      if (sm === undefined) continue;
      // Resource and scope attributes are merged once per scope, and only if a metric is wanted.
      let base: Record<string, string> | undefined;
      const metrics = list(sm.metrics, at, 'metrics');
      for (let m = 0; m < metrics.length; m++) {
        at.depth = 3;
        at.metric = m;
        const metric = obj(metrics[m], at, '');
        if (metric === undefined) continue;
        const target = wantedMetric(metric, at, options, out);
        if (target === undefined) continue;
        if (base === undefined) base = baseAttributes(rm, sm, at);
        convertPoints(target, base, at, out);
      }
    }
  }
  return out.build();
}

function baseAttributes(rm: Obj, sm: Obj, at: Cursor): Record<string, string> {
  const base: Record<string, string> = {};
  const depth = at.depth;
  at.depth = 1;
  const resource = obj(rm.resource, at, 'resource');
  if (resource) addAttributes(base, resource.attributes, at, 'resource.attributes');
  at.depth = 2;
  const scope = obj(sm.scope, at, 'scope');
  if (scope) addAttributes(base, scope.attributes, at, 'scope.attributes');
  at.depth = depth;
  return base;
}

interface MetricTarget {
  readonly name: string;
  readonly kind: Kind;
  readonly points: readonly unknown[];
  readonly monotonic: boolean;
  readonly temporality: Temporality;
}

/** The metric's points to convert, or undefined when it has none, is unwanted, or is refused whole. */
function wantedMetric(
  metric: Obj,
  at: Cursor,
  options: DecodeOptions,
  out: BatchBuilder,
): MetricTarget | undefined {
  let kind: Kind | undefined;
  for (const k of KINDS) {
    if (has(metric, k)) {
      kind = k;
      break;
    }
  }
  if (kind === undefined) return undefined; // a metric without data carries no points
  const data = obj(metric[kind], at, kind) ?? {};
  const points = list(data.dataPoints, at, `${kind}.dataPoints`);
  if (points.length === 0) return undefined;
  const name = str(metric.name, at, 'name');
  if (name === '') {
    out.reject('metric has no name', at.path(''), points.length);
    return undefined;
  }
  if (options.wantsMetric && !options.wantsMetric(name)) {
    out.drop('unwanted-metric', points.length);
    return undefined;
  }
  let temporalityOf: Temporality = 'cumulative';
  if (kind !== 'gauge' && kind !== 'summary') {
    const t = temporality(data.aggregationTemporality, at, `${kind}.aggregationTemporality`);
    if (t === undefined) {
      out.reject(
        'aggregationTemporality must be 1 (delta) or 2 (cumulative)',
        `metric ${name} at ${at.path('')}`,
        points.length,
      );
      return undefined;
    }
    temporalityOf = t;
  }
  return { name, kind, points, monotonic: data.isMonotonic === true, temporality: temporalityOf };
}

function convertPoints(
  target: MetricTarget,
  base: Record<string, string>,
  at: Cursor,
  out: BatchBuilder,
): void {
  const { name, kind, points } = target;
  at.depth = 4;
  at.kind = kind;
  for (let p = 0; p < points.length; p++) {
    at.point = p;
    const dp = obj(points[p], at, '');
    if (dp === undefined) continue;
    if ((int(dp.flags, at, 'flags') & NO_RECORDED_VALUE) !== 0) {
      out.drop('no-recorded-value');
      continue;
    }
    const timeMs = nanosToMs(dp.timeUnixNano ?? 0);
    if (timeMs === undefined || timeMs === 0) {
      out.reject('timeUnixNano must be a positive integer', `metric ${name} at ${at.path('')}`);
      continue;
    }
    const value = pointValue(kind, dp, at, target.monotonic, target.temporality);
    if (typeof value === 'string') {
      if (value === 'non-finite-value') out.drop(value);
      else out.reject(value, `metric ${name} at ${at.path('')}`);
      continue;
    }
    // Copied key by key: measured ~25x faster than `{ ...base }` when more keys follow.
    const attributes: Record<string, string> = {};
    for (const key in base) attributes[key] = base[key] as string;
    addAttributes(attributes, dp.attributes, at, 'attributes');
    const startMs = nanosToMs(dp.startTimeUnixNano ?? 0);
    const point: Point =
      startMs !== undefined && startMs > 0
        ? { name, attributes, startMs, timeMs, value }
        : { name, attributes, timeMs, value };
    out.points.push(point);
  }
}

/** The point's value, or why it was dropped ('non-finite-value') or rejected (any other text). */
function pointValue(
  kind: Kind,
  dp: Obj,
  at: Cursor,
  monotonic: boolean,
  temporalityOf: Temporality,
): PointValue | string {
  switch (kind) {
    case 'gauge':
    case 'sum': {
      let value: number;
      if (has(dp, 'asDouble')) value = double(dp.asDouble, at, 'asDouble');
      else if (has(dp, 'asInt')) value = int(dp.asInt, at, 'asInt');
      else return 'a number point needs asDouble or asInt';
      if (!Number.isFinite(value)) return 'non-finite-value';
      return kind === 'gauge' ? { kind, value } : { kind, value, monotonic, temporality: temporalityOf };
    }
    case 'histogram':
      return histogramValue(dp, at, temporalityOf);
    case 'exponentialHistogram':
      return exponentialValue(dp, at, temporalityOf);
    case 'summary':
      return summaryValue(dp, at);
  }
}

/** sum/min/max: kept when sent and finite; a NaN sum says nothing and is left out. */
function optionalStats(dp: Obj, at: Cursor): { sum?: number; min?: number; max?: number } {
  const stats: { sum?: number; min?: number; max?: number } = {};
  for (const key of ['sum', 'min', 'max'] as const) {
    if (!has(dp, key)) continue;
    const v = double(dp[key], at, key);
    if (Number.isFinite(v)) stats[key] = v;
  }
  return stats;
}

function ints(value: unknown, at: Cursor, field: string): number[] {
  const items = list(value, at, field);
  const out: number[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) out[i] = int(items[i], at, `${field}[${i}]`);
  return out;
}

function histogramValue(dp: Obj, at: Cursor, temporalityOf: Temporality): PointValue | string {
  const count = int(dp.count, at, 'count');
  const counts = ints(dp.bucketCounts, at, 'bucketCounts');
  const rawBounds = list(dp.explicitBounds, at, 'explicitBounds');
  const bounds: number[] = new Array(rawBounds.length);
  for (let i = 0; i < rawBounds.length; i++) bounds[i] = double(rawBounds[i], at, `explicitBounds[${i}]`);
  if (counts.length !== 0 && counts.length !== bounds.length + 1) {
    return `bucketCounts must have one more entry than explicitBounds (got ${counts.length} and ${bounds.length})`;
  }
  for (let i = 0; i < bounds.length; i++) {
    const bound = bounds[i] as number;
    if (!Number.isFinite(bound) || (i > 0 && bound <= (bounds[i - 1] as number))) {
      return 'explicitBounds must be finite and strictly increasing';
    }
  }
  let total = 0;
  for (const c of counts) total += c;
  if (counts.length > 0 && total !== count) return `bucketCounts add up to ${total} but count is ${count}`;
  return { kind: 'histogram', temporality: temporalityOf, bounds, counts, count, ...optionalStats(dp, at) };
}

function buckets(value: unknown, at: Cursor, field: string): ExponentialBuckets {
  const b = obj(value, at, field);
  if (b === undefined) return { offset: 0, counts: [] };
  return {
    offset: int(b.offset, at, `${field}.offset`),
    counts: ints(b.bucketCounts, at, `${field}.bucketCounts`),
  };
}

function exponentialValue(dp: Obj, at: Cursor, temporalityOf: Temporality): PointValue | string {
  const count = int(dp.count, at, 'count');
  const zeroCount = int(dp.zeroCount, at, 'zeroCount');
  const positive = buckets(dp.positive, at, 'positive');
  const negative = buckets(dp.negative, at, 'negative');
  const scale = int(dp.scale, at, 'scale');
  const zeroThreshold = double(dp.zeroThreshold, at, 'zeroThreshold');
  if (scale < -10 || scale > 20) return `scale must be between -10 and 20 (got ${scale})`;
  if (!(zeroThreshold >= 0) || !Number.isFinite(zeroThreshold))
    return 'zeroThreshold must be finite and not negative';
  let total = zeroCount;
  for (const c of positive.counts) total += c;
  for (const c of negative.counts) total += c;
  if (total !== count) return `zeroCount and bucket counts add up to ${total} but count is ${count}`;
  return {
    kind: 'exponentialHistogram',
    temporality: temporalityOf,
    scale,
    zeroCount,
    zeroThreshold,
    positive,
    negative,
    count,
    ...optionalStats(dp, at),
  };
}

function summaryValue(dp: Obj, at: Cursor): PointValue | string {
  const count = int(dp.count, at, 'count');
  const sum = double(dp.sum, at, 'sum');
  if (!Number.isFinite(sum)) return 'non-finite-value';
  const quantiles: { quantile: number; value: number }[] = [];
  const entries = list(dp.quantileValues, at, 'quantileValues');
  for (let i = 0; i < entries.length; i++) {
    const q = obj(entries[i], at, `quantileValues[${i}]`) ?? {};
    const quantile = double(q.quantile, at, `quantileValues[${i}].quantile`);
    const value = double(q.value, at, `quantileValues[${i}].value`);
    if (!(quantile >= 0 && quantile <= 1)) return `quantile must be between 0 and 1 (got ${quantile})`;
    // A summary with no observations in its window reports NaN quantiles: nothing to keep.
    if (Number.isFinite(value)) quantiles.push({ quantile, value });
  }
  return { kind: 'summary', count, sum, quantiles };
}
