import { DecodeError } from './decode-error.ts';
import { BatchBuilder, type DecodedBatch } from './decoded-batch.ts';
import { nanosToMs } from './nanos.ts';
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

export interface DecodeOptions {
  /**
   * Prefilter: points of a metric no rollout uses are counted as `unwanted-metric` and
   * dropped before any attribute map is built for them.
   */
  readonly wantsMetric?: (name: string) => boolean;
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
  const resources = list(request.resourceMetrics, () => 'resourceMetrics');
  for (let r = 0; r < resources.length; r++) {
    const rPath = () => `resourceMetrics[${r}]`;
    const rm = obj(resources[r], rPath);
    if (rm === undefined) continue;
    const scopes = list(rm.scopeMetrics, () => `${rPath()}.scopeMetrics`);
    for (let s = 0; s < scopes.length; s++) {
      const sPath = () => `${rPath()}.scopeMetrics[${s}]`;
      const sm = obj(scopes[s], sPath);
      if (sm === undefined) continue;
      // Resource and scope attributes are merged once per scope, and only if a metric is wanted.
      let base: Record<string, string> | undefined;
      const baseAttributes = () => {
        if (base !== undefined) return base;
        base = {};
        const resource = obj(rm.resource, () => `${rPath()}.resource`);
        if (resource) addAttributes(base, resource.attributes, () => `${rPath()}.resource.attributes`);
        const scope = obj(sm.scope, () => `${sPath()}.scope`);
        if (scope) addAttributes(base, scope.attributes, () => `${sPath()}.scope.attributes`);
        return base;
      };
      const metrics = list(sm.metrics, () => `${sPath()}.metrics`);
      for (let m = 0; m < metrics.length; m++) {
        const mPath = () => `${sPath()}.metrics[${m}]`;
        const metric = obj(metrics[m], mPath);
        if (metric !== undefined) convertMetric(metric, mPath, baseAttributes, options, out);
      }
    }
  }
  return out.build();
}

function convertMetric(
  metric: Obj,
  mPath: () => string,
  baseAttributes: () => Record<string, string>,
  options: DecodeOptions,
  out: BatchBuilder,
): void {
  const kind = KINDS.find((k) => has(metric, k));
  if (kind === undefined) return; // a metric without data carries no points
  const dPath = () => `${mPath()}.${kind}`;
  const data = obj(metric[kind], dPath) ?? {};
  const points = list(data.dataPoints, () => `${dPath()}.dataPoints`);
  if (points.length === 0) return;
  const name = str(metric.name, () => `${mPath()}.name`);
  if (name === '') {
    out.reject('metric has no name', mPath(), points.length);
    return;
  }
  if (options.wantsMetric && !options.wantsMetric(name)) {
    out.drop('unwanted-metric', points.length);
    return;
  }
  let temporalityOf: Temporality | undefined;
  if (kind !== 'gauge' && kind !== 'summary') {
    temporalityOf = temporality(data.aggregationTemporality, () => `${dPath()}.aggregationTemporality`);
    if (temporalityOf === undefined) {
      out.reject(
        'aggregationTemporality must be 1 (delta) or 2 (cumulative)',
        `metric ${name} at ${mPath()}`,
        points.length,
      );
      return;
    }
  }
  const monotonic = data.isMonotonic === true;
  for (let p = 0; p < points.length; p++) {
    const pPath = () => `${dPath()}.dataPoints[${p}]`;
    const dp = obj(points[p], pPath);
    if (dp === undefined) continue;
    if ((int(dp.flags, () => `${pPath()}.flags`) & NO_RECORDED_VALUE) !== 0) {
      out.drop('no-recorded-value');
      continue;
    }
    const timeMs = nanosToMs(dp.timeUnixNano ?? 0);
    if (timeMs === undefined || timeMs === 0) {
      out.reject('timeUnixNano must be a positive integer', `metric ${name} at ${pPath()}`);
      continue;
    }
    const value = pointValue(kind, dp, pPath, monotonic, temporalityOf ?? 'cumulative');
    if (typeof value === 'string') {
      if (value === 'non-finite-value') out.drop(value);
      else out.reject(value, `metric ${name} at ${pPath()}`);
      continue;
    }
    const attributes = { ...baseAttributes() };
    addAttributes(attributes, dp.attributes, () => `${pPath()}.attributes`);
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
  where: () => string,
  monotonic: boolean,
  temporalityOf: Temporality,
): PointValue | string {
  switch (kind) {
    case 'gauge':
    case 'sum': {
      let value: number;
      if (has(dp, 'asDouble')) value = double(dp.asDouble, () => `${where()}.asDouble`);
      else if (has(dp, 'asInt')) value = int(dp.asInt, () => `${where()}.asInt`);
      else return 'a number point needs asDouble or asInt';
      if (!Number.isFinite(value)) return 'non-finite-value';
      return kind === 'gauge' ? { kind, value } : { kind, value, monotonic, temporality: temporalityOf };
    }
    case 'histogram':
      return histogramValue(dp, where, temporalityOf);
    case 'exponentialHistogram':
      return exponentialValue(dp, where, temporalityOf);
    case 'summary':
      return summaryValue(dp, where);
  }
}

/** sum/min/max: kept when sent and finite; a NaN sum says nothing and is left out. */
function optionalStats(dp: Obj, where: () => string): { sum?: number; min?: number; max?: number } {
  const stats: { sum?: number; min?: number; max?: number } = {};
  for (const key of ['sum', 'min', 'max'] as const) {
    if (!has(dp, key)) continue;
    const v = double(dp[key], () => `${where()}.${key}`);
    if (Number.isFinite(v)) stats[key] = v;
  }
  return stats;
}

function histogramValue(dp: Obj, where: () => string, temporalityOf: Temporality): PointValue | string {
  const count = int(dp.count, () => `${where()}.count`);
  const counts = list(dp.bucketCounts, () => `${where()}.bucketCounts`).map((c, i) =>
    int(c, () => `${where()}.bucketCounts[${i}]`),
  );
  const bounds = list(dp.explicitBounds, () => `${where()}.explicitBounds`).map((b, i) =>
    double(b, () => `${where()}.explicitBounds[${i}]`),
  );
  if (counts.length !== 0 && counts.length !== bounds.length + 1) {
    return `bucketCounts must have one more entry than explicitBounds (got ${counts.length} and ${bounds.length})`;
  }
  for (let i = 0; i < bounds.length; i++) {
    const bound = bounds[i] as number;
    if (!Number.isFinite(bound) || (i > 0 && bound <= (bounds[i - 1] as number))) {
      return 'explicitBounds must be finite and strictly increasing';
    }
  }
  const total = counts.reduce((a, b) => a + b, 0);
  if (counts.length > 0 && total !== count) return `bucketCounts add up to ${total} but count is ${count}`;
  return {
    kind: 'histogram',
    temporality: temporalityOf,
    bounds,
    counts,
    count,
    ...optionalStats(dp, where),
  };
}

function buckets(value: unknown, where: () => string): ExponentialBuckets {
  const b = obj(value, where);
  if (b === undefined) return { offset: 0, counts: [] };
  const counts = list(b.bucketCounts, () => `${where()}.bucketCounts`).map((c, i) =>
    int(c, () => `${where()}.bucketCounts[${i}]`),
  );
  return { offset: int(b.offset, () => `${where()}.offset`), counts };
}

function exponentialValue(dp: Obj, where: () => string, temporalityOf: Temporality): PointValue | string {
  const count = int(dp.count, () => `${where()}.count`);
  const zeroCount = int(dp.zeroCount, () => `${where()}.zeroCount`);
  const positive = buckets(dp.positive, () => `${where()}.positive`);
  const negative = buckets(dp.negative, () => `${where()}.negative`);
  const scale = int(dp.scale, () => `${where()}.scale`);
  const zeroThreshold = double(dp.zeroThreshold, () => `${where()}.zeroThreshold`);
  if (scale < -10 || scale > 20) return `scale must be between -10 and 20 (got ${scale})`;
  if (!(zeroThreshold >= 0) || !Number.isFinite(zeroThreshold))
    return 'zeroThreshold must be finite and not negative';
  const total =
    zeroCount + positive.counts.reduce((a, b) => a + b, 0) + negative.counts.reduce((a, b) => a + b, 0);
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
    ...optionalStats(dp, where),
  };
}

function summaryValue(dp: Obj, where: () => string): PointValue | string {
  const count = int(dp.count, () => `${where()}.count`);
  const sum = double(dp.sum, () => `${where()}.sum`);
  if (!Number.isFinite(sum)) return 'non-finite-value';
  const quantiles: { quantile: number; value: number }[] = [];
  const entries = list(dp.quantileValues, () => `${where()}.quantileValues`);
  for (let i = 0; i < entries.length; i++) {
    const qPath = () => `${where()}.quantileValues[${i}]`;
    const q = obj(entries[i], qPath) ?? {};
    const quantile = double(q.quantile, () => `${qPath()}.quantile`);
    const value = double(q.value, () => `${qPath()}.value`);
    if (!(quantile >= 0 && quantile <= 1)) return `quantile must be between 0 and 1 (got ${quantile})`;
    // A summary with no observations in its window reports NaN quantiles: nothing to keep.
    if (Number.isFinite(value)) quantiles.push({ quantile, value });
  }
  return { kind: 'summary', count, sum, quantiles };
}
