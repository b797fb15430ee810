import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import type { DecodedBatch } from './decoded-batch.ts';
import { decodeOtlpJson } from './otlp.ts';
import { decodeOtlpProtobuf } from './otlp-protobuf.ts';
import { ExportMetricsServiceRequest, KeyValue } from './otlp-schema.ts';
import { OtlpSeriesCache } from './otlp-series-cache.ts';
import type { Attributes } from './point.ts';
import { decodeRemoteWrite, RemoteWriteLabels } from './remote-write.ts';
import { encodeWriteRequest } from './remote-write-schema.ts';

/*
 * The decoders recognise a series across requests by the bytes (or, for OTLP/JSON, the parsed text) of
 * its attributes, and hand the ingest path one memo per series, on which it keeps the series' id and
 * matches. So a memo given for the wrong series would count its points as another's. These properties
 * send sequences of requests drawn from a few series that share attributes, prefixes of each other's
 * bytes, resources and metric names, in any order and (protobuf) with a point's fields in any order,
 * its attributes split by other fields, through one cache — of the default size, or small enough to
 * forget series in the middle of a request — and check every request against a decode that knows
 * nothing (protobufjs, or the decoder without a cache) and every memo against one series only.
 */

const KEYS = ['variant', 'region', 'k'] as const;
const VALUES = ['on', 'off', 'eu', 'x', 'ü'] as const;
const attribute = fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES));
/** Attribute lists, short so that one is often a prefix of another; a key may come twice (the last wins). */
const attributeList = fc.array(attribute, { maxLength: 3 });

/** The same three resources and two scopes in every request, so their bytes repeat. */
const RESOURCES: ReadonlyArray<ReadonlyArray<readonly [string, string]>> = [
  [['service.name', 'checkout']],
  [
    ['service.name', 'checkout'],
    ['region', 'us'],
  ],
  [['service.name', 'billing']],
];
const SCOPES: ReadonlyArray<ReadonlyArray<readonly [string, string]>> = [[], [['variant', 'scope']]];

/** A series: its resource, scope, metric and attributes. */
const aSeries = fc.record({
  resource: fc.integer({ min: 0, max: RESOURCES.length - 1 }),
  scope: fc.integer({ min: 0, max: SCOPES.length - 1 }),
  metric: fc.constantFrom('requests', 'errors'),
  sum: fc.boolean(),
  attributes: attributeList,
});
/** A point of the pool's series `series`, its fields written as `order` says. */
const aPoint = fc.record({
  series: fc.nat(),
  // −0 is 0 once written as JSON text.
  value: fc
    .oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer())
    .map((v) => (v === 0 ? 0 : v)),
  asInt: fc.boolean(),
  start: fc.boolean(),
  /** Where the point's other fields go among its attribute fields, and whether they split them. */
  order: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
});
type APoint = (typeof aSeries extends fc.Arbitrary<infer S> ? S : never) &
  Omit<typeof aPoint extends fc.Arbitrary<infer P> ? P : never, 'series'>;

/**
 * Requests of points drawn from a few series, so that series repeat in and across requests, in orders
 * that make one series the expected next of another that shares its first attribute bytes.
 */
const requests = fc
  .tuple(
    fc.array(aSeries, { minLength: 1, maxLength: 5 }),
    fc.array(fc.array(aPoint, { minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 6 }),
  )
  .map(([pool, sequence]) =>
    sequence.map((points) =>
      points.map(
        ({ series, ...point }): APoint => ({ ...(pool[series % pool.length] as (typeof pool)[0]), ...point }),
      ),
    ),
  );
const otlpCaches = fc.constantFrom(
  () => new OtlpSeriesCache(),
  () => new OtlpSeriesCache({ series: 3, bytes: 1_000_000 }),
  () => new OtlpSeriesCache({ series: 1_000, bytes: 60 }),
);

const T_NANOS = 1_700_000_000_000_000_000n;

/** A fixed64 field's value: eight bytes, little-endian. */
function fixed64(w: protobuf.Writer, value: bigint) {
  w.fixed32(Number(value & 0xffff_ffffn)).fixed32(Number(value >> 32n));
}

function keyValueBytes([key, value]: readonly [string, string]): Uint8Array {
  return KeyValue.encode(KeyValue.fromObject({ key, value: { stringValue: value } })).finish();
}

/**
 * A NumberDataPoint written field by field: its attribute fields in their order, the time, start and
 * value fields put among them where `order` says (so they may come first, last, or split the attributes).
 */
function writePoint(w: protobuf.Writer, point: APoint, timeNanos: bigint) {
  const fields: Array<(w: protobuf.Writer) => void> = point.attributes.map(
    (kv) => (w) => w.uint32((7 << 3) | 2).bytes(keyValueBytes(kv)),
  );
  const others: Array<(w: protobuf.Writer) => void> = [
    (w) => fixed64(w.uint32((3 << 3) | 1), timeNanos),
    (w) => {
      if (point.start) fixed64(w.uint32((2 << 3) | 1), timeNanos - 60_000_000_000n);
    },
    (w) =>
      point.asInt && Number.isSafeInteger(point.value)
        ? w.uint32((6 << 3) | 1).sfixed64(point.value)
        : w.uint32((4 << 3) | 1).double(point.value),
  ];
  others.forEach((field, i) => {
    fields.splice(Math.min((point.order[i] as number) % (fields.length + 1), fields.length), 0, field);
  });
  for (const field of fields) field(w);
}

/** One request: a resource, scope and metric of its own around each point (repeated, as encoders may). */
function otlpBody(points: readonly APoint[], timeNanos: bigint): Uint8Array {
  const w = protobuf.Writer.create();
  for (const point of points) {
    w.uint32((1 << 3) | 2).fork(); // ResourceMetrics
    w.uint32((1 << 3) | 2).fork(); // Resource
    for (const kv of RESOURCES[point.resource] ?? []) w.uint32((1 << 3) | 2).bytes(keyValueBytes(kv));
    w.ldelim();
    w.uint32((2 << 3) | 2).fork(); // ScopeMetrics
    w.uint32((1 << 3) | 2).fork(); // InstrumentationScope
    w.uint32((1 << 3) | 2).string('lib');
    for (const kv of SCOPES[point.scope] ?? []) w.uint32((3 << 3) | 2).bytes(keyValueBytes(kv));
    w.ldelim();
    w.uint32((2 << 3) | 2).fork(); // Metric
    w.uint32((1 << 3) | 2).string(point.metric);
    w.uint32(((point.sum ? 7 : 5) << 3) | 2).fork(); // Sum or Gauge
    w.uint32((1 << 3) | 2).fork(); // NumberDataPoint
    writePoint(w, point, timeNanos);
    w.ldelim();
    if (point.sum) {
      w.uint32((2 << 3) | 0).uint32(2); // aggregation_temporality: cumulative
      w.uint32((3 << 3) | 0).bool(true); // is_monotonic
    }
    w.ldelim();
    w.ldelim();
    w.ldelim();
    w.ldelim();
  }
  return w.finish();
}

/** What a point's attributes are, as protobufjs reads the body: resource, scope over it, the point's over both. */
function referenceAttributes(body: Uint8Array): Attributes[] {
  const request = ExportMetricsServiceRequest.toObject(ExportMetricsServiceRequest.decode(body), {
    longs: String,
  }) as {
    resourceMetrics?: Array<{
      resource?: { attributes?: KV[] };
      scopeMetrics?: Array<{
        scope?: { attributes?: KV[] };
        metrics?: Array<{ gauge?: NumberData; sum?: NumberData }>;
      }>;
    }>;
  };
  const out: Attributes[] = [];
  for (const rm of request.resourceMetrics ?? []) {
    for (const sm of rm.scopeMetrics ?? []) {
      for (const metric of sm.metrics ?? []) {
        for (const dp of (metric.gauge ?? metric.sum)?.dataPoints ?? []) {
          const attributes: Record<string, string> = {};
          for (const kv of [
            ...(rm.resource?.attributes ?? []),
            ...(sm.scope?.attributes ?? []),
            ...(dp.attributes ?? []),
          ]) {
            attributes[kv.key] = kv.value.stringValue;
          }
          out.push(attributes);
        }
      }
    }
  }
  return out;
}
type KV = { key: string; value: { stringValue: string } };
type NumberData = { dataPoints?: Array<{ attributes?: KV[] }> };

/** The points without their memos: what a decode without a cache gives. */
const withoutMemos = (batch: DecodedBatch) => batch.points.map(({ memo: _, ...point }) => point);

/** One series per memo: a memo met again must come with the same name and attributes. */
class MemoLedger {
  readonly #seriesOf = new Map<object, string>();

  check(batch: DecodedBatch) {
    for (const point of batch.points) {
      expect(point.memo).toBeDefined();
      const series = JSON.stringify([point.name, Object.entries(point.attributes).sort()]);
      const known = this.#seriesOf.get(point.memo as object);
      if (known === undefined) this.#seriesOf.set(point.memo as object, series);
      else expect(series).toBe(known);
    }
  }
}

describe('series known across requests: each memo one series, each point as a decode without a cache', () => {
  it('OTLP protobuf, fields in any order and attributes split by other fields', () => {
    fc.assert(
      fc.property(requests, otlpCaches, (sequence, makeCache) => {
        const cache = makeCache();
        const ledger = new MemoLedger();
        sequence.forEach((points, i) => {
          const body = otlpBody(points, T_NANOS + BigInt(i) * 10_000_000_000n);
          const batch = decodeOtlpProtobuf(body, { series: cache });
          expect(withoutMemos(batch)).toEqual(decodeOtlpProtobuf(body).points);
          expect(batch.points.map((p) => p.attributes)).toEqual(referenceAttributes(body));
          ledger.check(batch);
        });
      }),
      { numRuns: 1_000 },
    );
  });

  it('OTLP/JSON, with its own cache, decoding what protobuf decodes', () => {
    fc.assert(
      fc.property(requests, otlpCaches, fc.boolean(), (sequence, makeCache, spaced) => {
        const cache = makeCache();
        const ledger = new MemoLedger();
        sequence.forEach((points, i) => {
          const body = otlpBody(points, T_NANOS + BigInt(i) * 10_000_000_000n);
          const request = ExportMetricsServiceRequest.toObject(ExportMetricsServiceRequest.decode(body), {
            longs: String,
          });
          const text = JSON.stringify(request, null, spaced ? 1 : undefined);
          const batch = decodeOtlpJson(text, { series: cache });
          expect(withoutMemos(batch)).toEqual(decodeOtlpProtobuf(body).points);
          ledger.check(batch);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('remote write, label sets found by their bytes', () => {
    const label = fc.tuple(fc.constantFrom('variant', 'region', 'k', 'le'), fc.constantFrom(...VALUES));
    const aLabelSet = fc.record({
      name: fc.constantFrom('requests_g', 'errors_g'),
      // A label twice refuses the whole request (as Prometheus' receiver does): each name once.
      labels: fc.uniqueArray(label, { selector: ([name]) => name, maxLength: 3 }),
    });
    const sequences = fc.tuple(
      fc.array(aLabelSet, { minLength: 1, maxLength: 5 }),
      fc.array(
        fc.array(fc.tuple(fc.nat(), fc.double({ noNaN: true, noDefaultInfinity: true })), {
          minLength: 1,
          maxLength: 10,
        }),
        {
          minLength: 1,
          maxLength: 6,
        },
      ),
    );
    fc.assert(
      fc.property(sequences, fc.constantFrom(50_000, 2), ([pool, sequence], limit) => {
        const labels = new RemoteWriteLabels(limit);
        const ledger = new MemoLedger();
        sequence.forEach((samples, i) => {
          const body = encodeWriteRequest({
            timeseries: samples.map(([series, value]) => {
              const { name, labels } = pool[series % pool.length] as (typeof pool)[0];
              return {
                labels: [
                  { name: '__name__', value: name },
                  ...labels.map(([name, value]) => ({ name, value })),
                ],
                samples: [{ value, timestamp: 1_700_000_000_000 + i * 10_000 }],
              };
            }),
          });
          const batch = decodeRemoteWrite(body, { labels });
          const expected = samples.map(([series, value]) => {
            const { name, labels } = pool[series % pool.length] as (typeof pool)[0];
            const attributes = Object.fromEntries(labels);
            return {
              name,
              attributes,
              timeMs: 1_700_000_000_000 + i * 10_000,
              value: { kind: 'gauge', value },
            };
          });
          expect(withoutMemos(batch)).toEqual(expected);
          ledger.check(batch);
        });
      }),
      { numRuns: 500 },
    );
  });
});
