import { DecodeError } from './decode-error.ts';
import { BatchBuilder, type DecodedBatch } from './decoded-batch.ts';
import { jsonDepthOverflow } from './json-depth.ts';
import { Cursor } from './otlp-cursor.ts';
import { JsonSeries } from './otlp-json-series.ts';
import {
  acceptMetric,
  type DecodeOptions,
  KINDS,
  type Kind,
  type MetricTarget,
  readPointMessage,
} from './otlp-points.ts';
import type { SeriesBase } from './otlp-series-cache.ts';
import { has, isObj, list, type Obj, obj, str, temporality } from './otlp-values.ts';
import type { Point } from './point.ts';

export type { DecodeOptions } from './otlp-points.ts';
export { decodeOtlpProtobuf } from './otlp-protobuf.ts';

/** Nesting an OTLP/JSON body may have: a request nests about 10 deep, attribute values a few more. */
export const MAX_JSON_DEPTH = 64;

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

function convertRequest(request: Obj, options: DecodeOptions): DecodedBatch {
  const out = new BatchBuilder();
  const at = new Cursor();
  const series = new JsonSeries(options.series);
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
      // Resource and scope attributes are found (or merged) once per scope, and only if a metric is wanted.
      let base: SeriesBase | undefined;
      const metrics = list(sm.metrics, at, 'metrics');
      for (let m = 0; m < metrics.length; m++) {
        at.depth = 3;
        at.metric = m;
        const metric = obj(metrics[m], at, '');
        if (metric === undefined) continue;
        const target = wantedMetric(metric, at, options, out);
        if (target === undefined) continue;
        base ??= series.base(rm, sm, at);
        convertPoints(target, base, series, at, out);
      }
    }
  }
  return out.build();
}

interface JsonMetric extends MetricTarget {
  readonly points: readonly unknown[];
}

/** The metric's points to convert, or undefined when it has none, is unwanted, or is refused whole. */
function wantedMetric(
  metric: Obj,
  at: Cursor,
  options: DecodeOptions,
  out: BatchBuilder,
): JsonMetric | undefined {
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
  const target = acceptMetric(
    { name: str(metric.name, at, 'name'), kind, count: points.length, monotonic: data.isMonotonic === true },
    () => temporality(data.aggregationTemporality, at, `${kind}.aggregationTemporality`),
    at,
    options,
    out,
  );
  return target === undefined ? undefined : { ...target, points };
}

function convertPoints(
  target: JsonMetric,
  base: SeriesBase,
  series: JsonSeries,
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
    const parts = readPointMessage(target, dp, at, out);
    if (parts === undefined) continue;
    const { attributes, memo } = series.of(base, name, dp, at);
    const { startMs, timeMs, value } = parts;
    const point: Point =
      startMs !== undefined
        ? { name, attributes, startMs, timeMs, value, memo }
        : { name, attributes, timeMs, value, memo };
    out.points.push(point);
  }
}
