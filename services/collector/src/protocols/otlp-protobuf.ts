import type protobuf from 'protobufjs';
import { BatchBuilder, type DecodedBatch } from './decoded-batch.ts';
import { Cursor } from './otlp-cursor.ts';
import { NumberPointReader } from './otlp-number-point.ts';
import {
  acceptMetric,
  type DecodeOptions,
  type Kind,
  type MetricTarget,
  readPointMessage,
} from './otlp-points.ts';
import {
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  KeyValue,
  SummaryDataPoint,
} from './otlp-schema.ts';
import { OtlpSeriesCache, type SeriesBase } from './otlp-series-cache.ts';
import { SeriesFinder } from './otlp-series-finder.ts';
import { addAttributes, type Obj } from './otlp-values.ts';
import type { Point, PointValue } from './point.ts';
import { WireReader } from './wire-reader.ts';

/**
 * OTLP/HTTP `application/x-protobuf` body → points. Throws DecodeError for a malformed body.
 *
 * Walked by hand rather than decoded whole by protobufjs: a metric no rollout reads is skipped unread,
 * and a series already known (`options.series`) is found by its attribute bytes, so no attribute is
 * decoded, no string made and no record built for it. Number points (gauges and sums, nearly all
 * traffic) are read in place; histogram and summary points are decoded by protobufjs one at a time.
 * Field numbers are opentelemetry-proto's, as `otlp-schema.ts` writes them out.
 */
export function decodeOtlpProtobuf(body: Uint8Array, options: DecodeOptions = {}): DecodedBatch {
  const walk = new RequestWalk(body, options);
  walk.request();
  return walk.out.build();
}

const WIRE_VARINT = 0;
const WIRE_DELIMITED = 2;

/** Metric's `data` oneof: field number → kind. */
const KIND_OF_FIELD: Readonly<Record<number, Kind>> = {
  5: 'gauge',
  7: 'sum',
  9: 'histogram',
  10: 'exponentialHistogram',
  11: 'summary',
};

/** The `attributes` field of each kind's data point message. */
const ATTRIBUTES_FIELD: Readonly<Record<Kind, number>> = {
  gauge: 7,
  sum: 7,
  histogram: 9,
  exponentialHistogram: 1,
  summary: 7,
};

const POINT_MESSAGE: Readonly<Record<'histogram' | 'exponentialHistogram' | 'summary', protobuf.Type>> = {
  histogram: HistogramDataPoint,
  exponentialHistogram: ExponentialHistogramDataPoint,
  summary: SummaryDataPoint,
};

class RequestWalk {
  readonly out = new BatchBuilder();
  readonly #r: WireReader;
  readonly #at = new Cursor();
  readonly #options: DecodeOptions;
  readonly #cache: OtlpSeriesCache;
  /** Points carry their series' memo only when the cache outlives the request. */
  readonly #memos: boolean;
  readonly #finder: SeriesFinder;
  readonly #numbers = new NumberPointReader();

  constructor(body: Uint8Array, options: DecodeOptions) {
    this.#r = new WireReader(body, 'OTLP ExportMetricsServiceRequest (protobuf)');
    this.#options = options;
    this.#cache = options.series ?? new OtlpSeriesCache();
    this.#memos = options.series !== undefined;
    this.#finder = new SeriesFinder(this.#r, this.#cache, (into, start, end) =>
      this.#addAttribute(into, start, end),
    );
  }

  request(): void {
    let index = 0;
    this.#each(0, this.#r.bytes.length, 1, (start, end) => {
      this.#at.depth = 1;
      this.#at.resource = index++;
      this.#resourceMetrics(start, end);
    });
  }

  /**
   * Calls `each` with where every length-delimited field `wanted` of the message at [start, end) sits:
   * its value's [start, end), and where its tag starts.
   */
  #each(
    start: number,
    end: number,
    wanted: number,
    each: (start: number, end: number, fieldStart: number) => void,
  ): void {
    const r = this.#r;
    r.pos = start;
    while (r.pos < end) {
      const fieldStart = r.pos;
      const tag = r.varint();
      if ((tag & 7) !== WIRE_DELIMITED) {
        r.skipWithin(tag & 7, end);
        continue;
      }
      const fieldEnd = r.delimitedEndWithin(end);
      if (tag >>> 3 === wanted) each(r.pos, fieldEnd, fieldStart);
      r.pos = fieldEnd;
    }
  }

  /** The [start, end) of the last field `wanted` of the message at [start, end), or [start, start). */
  #find(start: number, end: number, wanted: number): [number, number] {
    let found: [number, number] = [start, start];
    this.#each(start, end, wanted, (fieldStart, fieldEnd) => {
      found = [fieldStart, fieldEnd];
    });
    return found;
  }

  #resourceMetrics(start: number, end: number): void {
    const [resourceStart, resourceEnd] = this.#find(start, end, 1);
    let index = 0;
    this.#each(start, end, 2, (scopeStart, scopeEnd) => {
      this.#at.depth = 2;
      this.#at.scope = index++;
      this.#scopeMetrics(resourceStart, resourceEnd, scopeStart, scopeEnd);
    });
  }

  #scopeMetrics(resourceStart: number, resourceEnd: number, start: number, end: number): void {
    const [scopeStart, scopeEnd] = this.#find(start, end, 1);
    // Resource and scope attributes are found (or decoded) once per scope, and only if a metric is wanted.
    let base: SeriesBase | undefined;
    let index = 0;
    this.#each(start, end, 2, (metricStart, metricEnd) => {
      this.#at.depth = 3;
      this.#at.metric = index++;
      const metric = this.#metric(metricStart, metricEnd);
      if (metric === undefined) return;
      base ??= this.#base(resourceStart, resourceEnd, scopeStart, scopeEnd);
      this.#points(metric, base);
    });
  }

  #base(resourceStart: number, resourceEnd: number, scopeStart: number, scopeEnd: number): SeriesBase {
    const bytes = this.#r.bytes;
    const key = `${bytes.toString('latin1', resourceStart, resourceEnd)}\u0100${bytes.toString('latin1', scopeStart, scopeEnd)}`;
    const known = this.#cache.base(key);
    if (known !== undefined) return known;
    const attributes: Record<string, string> = {};
    const at = this.#at;
    const depth = at.depth;
    at.depth = 1;
    this.#each(resourceStart, resourceEnd, 1, (s, e) => this.#addAttribute(attributes, s, e));
    at.depth = 2;
    this.#each(scopeStart, scopeEnd, 3, (s, e) => this.#addAttribute(attributes, s, e));
    at.depth = depth;
    return this.#cache.rememberBase(key, attributes);
  }

  #addAttribute(into: Record<string, string>, start: number, end: number): void {
    addAttributes(into, [this.#decode(KeyValue, start, end)], this.#at, 'attributes');
  }

  /** A sub-message decoded by protobufjs, its failure said as the body's. */
  #decode(type: protobuf.Type, start: number, end: number): Obj {
    try {
      return type.decode(this.#r.bytes.subarray(start, end)) as unknown as Obj;
    } catch (error) {
      this.#r.pos = start;
      return this.#r.fail(`${type.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The metric at [start, end), where its data points are, or undefined when it has none or is not kept. */
  #metric(start: number, end: number): (MetricTarget & { dataStart: number; dataEnd: number }) | undefined {
    const r = this.#r;
    let name = '';
    let kind: Kind | undefined;
    let dataStart = start;
    let dataEnd = start;
    r.pos = start;
    while (r.pos < end) {
      const tag = r.varint();
      if ((tag & 7) !== WIRE_DELIMITED) {
        r.skipWithin(tag & 7, end);
        continue;
      }
      const fieldEnd = r.delimitedEndWithin(end);
      const field = tag >>> 3;
      if (field === 1) name = r.bytes.toString('utf8', r.pos, fieldEnd);
      else if (KIND_OF_FIELD[field] !== undefined) {
        kind = KIND_OF_FIELD[field];
        dataStart = r.pos;
        dataEnd = fieldEnd;
      }
      r.pos = fieldEnd;
    }
    if (kind === undefined) return undefined; // a metric without data carries no points
    let count = 0;
    let temporalityCode = 0;
    let monotonic = false;
    r.pos = dataStart;
    while (r.pos < dataEnd) {
      const tag = r.varint();
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (field === 1 && wireType === WIRE_DELIMITED) {
        r.pos = r.delimitedEndWithin(dataEnd);
        count++;
      } else if (field === 2 && wireType === WIRE_VARINT) temporalityCode = r.varint();
      else if (field === 3 && wireType === WIRE_VARINT) monotonic = r.varint() !== 0;
      else r.skipWithin(wireType, dataEnd);
    }
    if (count === 0) return undefined;
    const temporalityOf = () =>
      temporalityCode === 1 ? 'delta' : temporalityCode === 2 ? 'cumulative' : undefined;
    const target = acceptMetric(
      { name, kind, count, monotonic },
      temporalityOf,
      this.#at,
      this.#options,
      this.out,
    );
    return target === undefined ? undefined : { ...target, dataStart, dataEnd };
  }

  #points(metric: MetricTarget & { dataStart: number; dataEnd: number }, base: SeriesBase): void {
    const at = this.#at;
    // Every series of the metric: the base's number, the name and U+0100 before its attribute bytes.
    const prefix = `${base.prefix}${metric.name}\u0100`;
    at.depth = 4;
    at.kind = metric.kind;
    let index = 0;
    this.#each(metric.dataStart, metric.dataEnd, 1, (start, end) => {
      at.point = index++;
      this.#point(metric, prefix, base, start, end);
    });
  }

  #point(metric: MetricTarget, prefix: string, base: SeriesBase, start: number, end: number): void {
    const { kind } = metric;
    this.#finder.startPoint(prefix, base, metric.name);
    let timeMs: number;
    let startMs: number | undefined;
    let value: PointValue;
    if (kind === 'gauge' || kind === 'sum') {
      const numbers = this.#numbers;
      const read = numbers.read(this.#r, start, end, metric, this.#at, this.out, this.#finder);
      if (read === undefined) return;
      ({ timeMs, startMs } = numbers);
      value = read;
    } else {
      this.#locateAttributes(start, end, ATTRIBUTES_FIELD[kind]);
      const parts = readPointMessage(
        metric,
        this.#decode(POINT_MESSAGE[kind], start, end),
        this.#at,
        this.out,
      );
      if (parts === undefined) return;
      ({ timeMs, startMs, value } = parts);
    }
    const name = metric.name;
    const series = this.#finder.find();
    const attributes = series.attributes;
    const point: Point =
      startMs !== undefined
        ? this.#memos
          ? { name, attributes, startMs, timeMs, value, memo: series }
          : { name, attributes, startMs, timeMs, value }
        : this.#memos
          ? { name, attributes, timeMs, value, memo: series }
          : { name, attributes, timeMs, value };
    this.out.points.push(point);
  }

  /** Notes where the point's attribute fields (`field`) sit. */
  #locateAttributes(start: number, end: number, field: number): void {
    this.#each(start, end, field, (_start, fieldEnd, fieldStart) => this.#finder.note(fieldStart, fieldEnd));
  }
}
