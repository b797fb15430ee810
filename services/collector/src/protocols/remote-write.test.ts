import { compressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import { DecodeError } from './decode-error.ts';
import type { Point } from './point.ts';
import {
  decodeRemoteWrite,
  RemoteWriteLabels,
  type RemoteWriteOptions,
  remoteWriteVersion,
} from './remote-write.ts';
import { encodeWriteRequest } from './remote-write-schema.ts';
import { unsnappy } from './snappy-block.ts';

const T = 1700000000123;
type Labels = Record<string, string>;

function series(labels: Labels, samples: [value: number, timeMs?: number][]): Record<string, unknown> {
  return {
    labels: Object.entries(labels).map(([name, value]) => ({ name, value })),
    samples: samples.map(([value, timestamp = T]) => ({ value, timestamp })),
  };
}

const decode = (timeseries: unknown[], metadata: unknown[] = [], options: RemoteWriteOptions = {}) =>
  decodeRemoteWrite(encodeWriteRequest({ timeseries, metadata }), options);

/** Points as values: each carries its series' memo, an identity checked on its own below. */
const withoutMemo = (points: readonly Point[]) => points.map(({ memo: _, ...point }) => point);

describe('remoteWriteVersion', () => {
  it.each([
    [undefined, 'v1'],
    ['application/x-protobuf', 'v1'],
    ['application/x-protobuf;proto=prometheus.WriteRequest', 'v1'],
    ['application/x-protobuf; proto="prometheus.WriteRequest"', 'v1'],
    ['application/x-protobuf;proto=io.prometheus.write.v2.Request', 'v2'],
    ['application/x-protobuf;proto=something.else', undefined],
    ['application/json', undefined],
  ] as const)('%j → %j', (header, expected) => {
    expect(remoteWriteVersion(header)).toBe(expected);
  });
});

describe('decodeRemoteWrite', () => {
  it('decodes a snappy body sent the way Prometheus sends it', async () => {
    const body = compressSync(
      Buffer.from(
        encodeWriteRequest({ timeseries: [series({ __name__: 'contacts_total', job: 'api' }, [[42]])] }),
      ),
    );
    const batch = decodeRemoteWrite(await unsnappy(body, 1 << 20));
    expect(withoutMemo(batch.points)).toEqual([
      {
        name: 'contacts_total',
        attributes: { job: 'api' },
        timeMs: T,
        value: { kind: 'sum', value: 42, monotonic: true, temporality: 'cumulative' },
      },
    ]);
  });

  it('accepts a metadata-only request', () => {
    const batch = decode([], [{ type: 'COUNTER', metricFamilyName: 'x_total', help: 'h' }]);
    expect(batch).toEqual({ points: [], dropped: {}, rejected: [], rejectedCount: 0 });
  });

  it('accepts an empty body as an empty request', () => {
    expect(decodeRemoteWrite(new Uint8Array()).points).toEqual([]);
  });

  it.each([
    [
      'counter by metadata',
      'requests',
      'COUNTER',
      { kind: 'sum', value: 5, monotonic: true, temporality: 'cumulative' },
    ],
    ['gauge by metadata despite _total', 'odd_total', 'GAUGE', { kind: 'gauge', value: 5 }],
    [
      'counter by _total suffix',
      'errors_total',
      undefined,
      { kind: 'sum', value: 5, monotonic: true, temporality: 'cumulative' },
    ],
    ['gauge by default', 'queue_depth', undefined, { kind: 'gauge', value: 5 }],
  ] as const)('reads a %s', (_name, metric, type, value) => {
    const metadata = type === undefined ? [] : [{ type, metricFamilyName: metric }];
    expect(decode([series({ __name__: metric }, [[5]])], metadata).points[0]?.value).toEqual(value);
  });

  it("reads a series by each request's own metadata, though its labels are remembered across requests", () => {
    const kindOf = (metadata: unknown[]) =>
      decode([series({ __name__: 'odd_total', job: 'a' }, [[5]])], metadata).points[0]?.value.kind;
    expect(kindOf([])).toBe('sum');
    expect(kindOf([{ type: 'GAUGE', metricFamilyName: 'odd_total' }])).toBe('gauge');
    expect(kindOf([])).toBe('sum');
  });

  it('keeps every sample of a series, unsorted labels sorted out, empty label values dropped', () => {
    const batch = decode([
      series({ zone: 'b', __name__: 'g', empty: '', a: 'x' }, [
        [1, T],
        [2, T + 1000],
      ]),
    ]);
    expect(batch.points.map((p) => [p.attributes, p.timeMs, p.value])).toEqual([
      [{ zone: 'b', a: 'x' }, T, { kind: 'gauge', value: 1 }],
      [{ zone: 'b', a: 'x' }, T + 1000, { kind: 'gauge', value: 2 }],
    ]);
  });

  it('keeps each series of a classic histogram on its own: the parts may come in different requests', () => {
    const base = { __name__: 'latency_seconds_bucket', route: '/a' };
    const batch = decode([
      series({ ...base, le: '0.5' }, [[2]]),
      series({ ...base, le: '+Inf' }, [[6]]),
      series({ __name__: 'latency_seconds_sum', route: '/a' }, [[3.5]]),
      series({ __name__: 'latency_seconds_count', route: '/a' }, [[6]]),
    ]);
    const part = (series: string, attributes: Record<string, string>, value: Record<string, unknown>) => ({
      name: 'latency_seconds',
      attributes,
      timeMs: T,
      value: { kind: 'classicPart', ...value },
      series,
    });
    expect(withoutMemo(batch.points)).toEqual([
      part('latency_seconds_bucket', { route: '/a', le: '0.5' }, { part: 'bucket', le: 0.5, value: 2 }),
      part('latency_seconds_bucket', { route: '/a', le: '+Inf' }, { part: 'bucket', le: Infinity, value: 6 }),
      part('latency_seconds_sum', { route: '/a' }, { part: 'sum', value: 3.5 }),
      part('latency_seconds_count', { route: '/a' }, { part: 'count', value: 6 }),
    ]);
  });

  it.each([
    {
      name: 'metadata says histogram',
      metadata: [{ type: 3, metricFamilyName: 'h' }],
      reads: ['h', 'h_count'],
      part: true,
    },
    {
      name: 'metadata says summary',
      metadata: [{ type: 5, metricFamilyName: 'h' }],
      reads: ['h'],
      part: true,
    },
    { name: 'a bucket of h in the same request', bucket: true, reads: ['h', 'h_count'], part: true },
    { name: 'no evidence, a rollout reads h', reads: ['h'], part: true },
    { name: 'no evidence, a rollout reads h_count itself', reads: ['h', 'h_count'], part: false },
    {
      name: 'metadata says h_count is a counter',
      metadata: [{ type: 1, metricFamilyName: 'h_count' }],
      reads: ['h'],
      part: false,
    },
  ])('takes h_count as a part of h when $name: $part', ({ metadata, reads, bucket, part }) => {
    const timeseries = [series({ __name__: 'h_count', route: '/a' }, [[4]])];
    if (bucket) timeseries.push(series({ __name__: 'h_bucket', le: '+Inf', route: '/a' }, [[4]]));
    const body = encodeWriteRequest({ timeseries, metadata: metadata ?? [] });
    const batch = decodeRemoteWrite(body, { readsMetric: (name) => reads.includes(name) });
    const count = batch.points.find((p) => p.series === 'h_count' || p.name === 'h_count');
    expect(count?.name).toBe(part ? 'h' : 'h_count');
    expect(count?.value).toEqual(
      part
        ? { kind: 'classicPart', part: 'count', value: 4 }
        : { kind: 'sum', value: 4, monotonic: true, temporality: 'cumulative' },
    );
  });

  it('takes x_bucket as a metric of its own when metadata says x is not a histogram', () => {
    const batch = decode(
      [series({ __name__: 'queue_bucket', le: '5' }, [[3]])],
      [{ type: 2, metricFamilyName: 'queue' }],
    );
    expect(batch.points.map((p) => [p.name, p.series, p.value.kind])).toEqual([
      ['queue_bucket', undefined, 'gauge'],
    ]);
  });

  it("keeps a summary's count and sum, and drops its quantile series", () => {
    const batch = decode(
      [
        series({ __name__: 'rpc_seconds', quantile: '0.99' }, [[0.3]]),
        series({ __name__: 'rpc_seconds_sum' }, [[12]]),
        series({ __name__: 'rpc_seconds_count' }, [[40]]),
      ],
      [{ type: 5, metricFamilyName: 'rpc_seconds' }],
    );
    expect(batch.points.map((p) => [p.series, p.value])).toEqual([
      ['rpc_seconds_sum', { kind: 'classicPart', part: 'sum', value: 12 }],
      ['rpc_seconds_count', { kind: 'classicPart', part: 'count', value: 40 }],
    ]);
    expect(batch.dropped).toEqual({ 'summary-quantile': 1 });
  });

  it('refuses gauge histograms and a bucket whose le is not a number, one sample at a time', () => {
    const batch = decode([
      series({ __name__: 'g_gcount' }, [[1]]),
      series({ __name__: 'h_bucket', le: 'fast' }, [[1]]),
      series({ __name__: 'h_bucket', le: '1' }, [[1]]),
    ]);
    expect(batch.points.map((p) => p.series)).toEqual(['h_bucket']);
    expect(batch.rejected.map((r) => r.reason)).toEqual([
      'gauge histograms are not supported',
      'le="fast" is not a number',
    ]);
  });

  it('drops and counts stale markers, keeping NaN apart from them', () => {
    const body = encodeWriteRequest({
      timeseries: [series({ __name__: 'g' }, [[1234.5], [Number.NaN], [7]])],
    });
    // Write the stale bit pattern over 1234.5: JS cannot be trusted to keep a NaN's payload.
    const marker = Buffer.alloc(8);
    marker.writeDoubleLE(1234.5);
    const at = Buffer.from(body).indexOf(marker);
    Buffer.from(body.buffer, body.byteOffset).writeUInt32LE(2, at);
    Buffer.from(body.buffer, body.byteOffset).writeUInt32LE(0x7ff00000, at + 4);
    const batch = decodeRemoteWrite(body);
    expect(batch.points.map((p) => p.value)).toEqual([{ kind: 'gauge', value: 7 }]);
    expect(batch.dropped).toEqual({ 'stale-marker': 1, 'non-finite-value': 1 });
  });

  it.each([
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
  ])('drops a %s gauge sample as not a number', (_name, value) => {
    const batch = decode([series({ __name__: 'g' }, [[value]])]);
    expect(batch.points).toEqual([]);
    expect(batch.dropped).toEqual({ 'non-finite-value': 1 });
  });

  it('skips series of unwanted metrics unread, keeping histogram families by their name', () => {
    const batch = decode(
      [
        series({ __name__: 'other_total' }, [[1], [2]]),
        series({ __name__: 'h_bucket', le: '+Inf' }, [[1]]),
        series({ __name__: 'h_count' }, [[1]]),
        series({ __name__: 'wanted' }, [[1]]),
      ],
      [],
      { wantsMetric: (name: string) => name === 'h' || name === 'wanted' },
    );
    // Points of different series in any order: parts come after the series read as they came.
    expect(batch.points.map((p) => [p.name, p.series])).toEqual([
      ['wanted', undefined],
      ['h', 'h_bucket'],
      ['h', 'h_count'],
    ]);
    expect(batch.dropped).toEqual({ 'unwanted-metric': 2 });
  });

  it('asks each new prefilter about a series it knows, wanted before or not', () => {
    const request = [
      series({ __name__: 'kept', a: '1' }, [[1]]),
      series({ __name__: 'later', a: '1' }, [[2]]),
    ];
    const names = (wantsMetric: (name: string) => boolean) =>
      decode(request, [], { wantsMetric }).points.map((p) => p.name);
    expect(names(() => true)).toEqual(['kept', 'later']);
    expect(names((name) => name === 'kept')).toEqual(['kept']);
    expect(names(() => true)).toEqual(['kept', 'later']);
  });

  it('passes far-past and far-future timestamps through for the route to judge', () => {
    const batch = decode([
      series({ __name__: 'g' }, [
        [1, 0],
        [1, 4102444800000],
      ]),
    ]);
    expect(batch.points.map((p) => p.timeMs)).toEqual([0, 4102444800000]);
  });

  it('keeps a 10 MB label value intact (size limits belong to the route)', () => {
    const huge = 'v'.repeat(10 * 1024 * 1024);
    expect(decode([series({ __name__: 'g', big: huge }, [[1]])]).points[0]?.attributes.big).toHaveLength(
      huge.length,
    );
  });

  it('gives the same labels when a series comes again (label sets are cached by their bytes)', () => {
    const request = [series({ __name__: 'g', a: '1' }, [[1]]), series({ __name__: 'g', a: '2' }, [[2]])];
    const first = decode(request).points.map((p) => [p.attributes, p.value]);
    const again = decode(request).points.map((p) => [p.attributes, p.value]);
    expect(again).toEqual(first);
    expect(first).toEqual([
      [{ a: '1' }, { kind: 'gauge', value: 1 }],
      [{ a: '2' }, { kind: 'gauge', value: 2 }],
    ]);
  });

  it('gives each series one memo for as long as its label set is known, and each series its own', () => {
    const a = series({ __name__: 'g', a: '1' }, [[1]]);
    const b = series({ __name__: 'g', a: '2' }, [[2]]);
    // The label sets are the caller's (a collector's ingest runtime): kept from request to request.
    const labels = new RemoteWriteLabels();
    const first = decode([a, b], [], { labels }).points.map((p) => p.memo);
    const again = decode([b, a], [], { labels }).points.map((p) => p.memo);
    expect(first[0]).toHaveProperty('derived');
    expect(first[0]).not.toBe(first[1]);
    expect(again).toEqual([first[1], first[0]]);
    expect(again[0]).toBe(first[1]);
    expect(again[1]).toBe(first[0]);
    // Another caller's label sets are its own.
    expect(decode([a], [], { labels: new RemoteWriteLabels() }).points[0]?.memo).not.toBe(first[0]);
  });

  it('drops its label sets whole when full, and decodes exactly after', () => {
    const labels = new RemoteWriteLabels(2);
    const sets = [1, 2, 3].map((i) => series({ __name__: 'g', a: String(i) }, [[i]]));
    const first = decode(sets, [], { labels }).points;
    const again = decode(sets, [], { labels }).points;
    expect(again.map((p) => [p.attributes, p.value])).toEqual(first.map((p) => [p.attributes, p.value]));
    expect(labels.generation).toBeGreaterThan(0);
    // Counted for the metrics: a and b dropped as c came, c and a as b came again.
    expect(labels.forgotten).toEqual({ idle: 0, full: 4 });
  });

  it('forgets the label sets no request held since the last sweep, and is no hint with them', () => {
    const labels = new RemoteWriteLabels();
    const [a, b, c] = [1, 2, 3].map((i) => series({ __name__: 'g', a: String(i) }, [[i]]));
    const first = decode([a, b, c], [], { labels }).points;
    // Made in this round: all kept by the first sweep.
    expect(labels.forgetIdle()).toBe(0);
    // Only a and c since: b goes, and a no longer expects b after it.
    decode([a, c], [], { labels });
    expect(labels.forgetIdle()).toBe(1);
    expect(labels.size).toBe(2);
    const again = decode([a, b, c], [], { labels }).points;
    expect(withoutMemo(again)).toEqual(withoutMemo(first));
    expect(again[0]?.memo).toBe(first[0]?.memo);
    expect(again[1]?.memo).not.toBe(first[1]?.memo);
    expect(again[2]?.memo).toBe(first[2]?.memo);
    expect(labels.size).toBe(3);
    // Nothing since: all of them go.
    expect(labels.forgetIdle()).toBe(0);
    expect(labels.forgetIdle()).toBe(3);
    expect(labels.size).toBe(0);
    expect(labels.forgotten).toEqual({ idle: 4, full: 0 });
    expect(withoutMemo(decode([a, b, c], [], { labels }).points)).toEqual(withoutMemo(first));
  });

  it('recognises thousands of label sets and a large one again, in another order too', () => {
    // About 200 KB of label bytes, one set with a 70 KB value among them: each is its series' memo.
    const sets = Array.from({ length: 3_000 }, (_, i) =>
      series({ __name__: 'requests_total', instance: `host-${i}:9100`, route: `/api/v1/items/${i}` }, [[i]]),
    );
    sets.splice(1_500, 0, series({ __name__: 'requests_total', note: 'x'.repeat(70_000) }, [[-1]]));
    const labels = new RemoteWriteLabels();
    const first = decode(sets, [], { labels }).points;
    const again = decode([...sets].reverse(), [], { labels }).points.reverse();
    expect(withoutMemo(again)).toEqual(withoutMemo(first));
    expect(again.every((point, i) => point.memo === first[i]?.memo)).toBe(true);
    expect(new Set(first.map((point) => point.memo)).size).toBe(sets.length);
    expect(labels.generation).toBe(0);
    expect(first[1_500]?.attributes.note).toHaveLength(70_000);
  });

  it('tells apart two label sets whose bytes hash alike, each its own series', () => {
    // The label fields of these two sets have the same 32-bit FNV-1a hash (found by search).
    const a = series({ __name__: 'g', a: 'v0232789' }, [[1]]);
    const b = series({ __name__: 'g', a: 'v0429192' }, [[2]]);
    const labels = new RemoteWriteLabels();
    const first = decode([a, b], [], { labels }).points;
    const again = decode([b, a], [], { labels }).points;
    expect(first.map((p) => [p.attributes, p.value])).toEqual([
      [{ a: 'v0232789' }, { kind: 'gauge', value: 1 }],
      [{ a: 'v0429192' }, { kind: 'gauge', value: 2 }],
    ]);
    expect(again.map((p) => [p.attributes, p.value])).toEqual([
      [{ a: 'v0429192' }, { kind: 'gauge', value: 2 }],
      [{ a: 'v0232789' }, { kind: 'gauge', value: 1 }],
    ]);
    expect(again[0]?.memo).not.toBe(again[1]?.memo);
  });

  describe('with fields in an order encoders do not write', () => {
    // Raw protobuf: a Label, Sample or TimeSeries is a length-delimited field.
    const varint = (n: number): number[] =>
      n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...varint(Math.floor(n / 128))];
    const field = (no: number, bytes: number[]) => [(no << 3) | 2, ...varint(bytes.length), ...bytes];
    const text = (s: string) => [...Buffer.from(s)];
    const label = (name: string, value: string) =>
      field(1, [...field(1, text(name)), ...field(2, text(value))]);
    const sample = (value: number) => {
      const double = Buffer.alloc(8);
      double.writeDoubleLE(value);
      return field(2, [0x09, ...double, 0x10, ...varint(T)]);
    };
    const request = (...timeseries: number[][]) =>
      decodeRemoteWrite(Uint8Array.from(timeseries.flatMap((fields) => field(1, fields))));
    const read = (batch: ReturnType<typeof request>) =>
      batch.points.map((p) => [p.attributes, p.value.kind === 'gauge' ? p.value.value : undefined]);
    const a = [...label('__name__', 'order_g'), ...label('a', '1'), ...sample(1)];

    it('reads a label after the samples, where the labels before it are the ones expected', () => {
      const b = [...label('__name__', 'order_g'), ...label('a', '2'), ...sample(2)];
      expect(read(request(a, b))).toEqual([
        [{ a: '1' }, 1],
        [{ a: '2' }, 2],
      ]);
      expect(read(request(a, [...b, ...label('z', 'late')]))).toEqual([
        [{ a: '1' }, 1],
        [{ a: '2', z: 'late' }, 2],
      ]);
    });

    it('reads every sample of a series whose labels have samples between them, every time', () => {
      const c = [...label('__name__', 'order_g'), ...sample(3), ...label('a', '3')];
      expect(read(request(a, c))).toEqual([
        [{ a: '1' }, 1],
        [{ a: '3' }, 3],
      ]);
      expect(read(request(a, [...c, ...sample(4)]))).toEqual([
        [{ a: '1' }, 1],
        [{ a: '3' }, 3],
        [{ a: '3' }, 4],
      ]);
    });
  });

  it('finds label sets sent in another order, or differing by one byte, as what they are', () => {
    const a = series({ __name__: 'g', a: '1' }, [[1]]);
    const b = series({ __name__: 'g', a: '2' }, [[2]]);
    const c = series({ __name__: 'g', a: '3' }, [[3]]);
    const labelsOf = (request: Record<string, unknown>[]) =>
      decode(request).points.map((p) => p.attributes.a);
    expect(labelsOf([a, b, c])).toEqual(['1', '2', '3']);
    // `b` followed `a` last time: a different series of the same length in its place is not `b`.
    expect(labelsOf([a, c, b])).toEqual(['1', '3', '2']);
    expect(labelsOf([c, a, series({ __name__: 'g', a: '4' }, [[4]]), b])).toEqual(['3', '1', '4', '2']);
    expect(labelsOf([a, series({ __name__: 'g', a: '1', z: 'new' }, [[5]])])).toEqual(['1', '1']);
  });

  it('decodes UTF-8 names and values', () => {
    const batch = decode([series({ __name__: 'http.server.duration', 'service.name': 'café' }, [[1]])]);
    expect(batch.points[0]).toMatchObject({
      name: 'http.server.duration',
      attributes: { 'service.name': 'café' },
    });
  });

  it.each([
    ['no __name__', [series({ job: 'x' }, [[1]])], 'timeseries[0] has no __name__ label'],
    ['an empty __name__', [series({ __name__: '' }, [[1]])], 'timeseries[0] has an empty __name__ label'],
    [
      'a duplicate label',
      [
        series({ __name__: 'ok' }, [[1]]),
        {
          labels: [
            { name: '__name__', value: 'g' },
            { name: 'a', value: '1' },
            { name: 'a', value: '2' },
          ],
        },
      ],
      'timeseries[1] g: label "a" appears twice',
    ],
    [
      'a duplicate label with an empty value',
      [
        {
          labels: [
            { name: '__name__', value: 'g' },
            { name: 'a', value: '' },
            { name: 'a', value: '2' },
          ],
        },
      ],
      'timeseries[0] g: label "a" appears twice',
    ],
    [
      'two names',
      [
        {
          labels: [
            { name: '__name__', value: 'g' },
            { name: '__name__', value: 'h' },
          ],
        },
      ],
      'label "__name__" appears twice',
    ],
    [
      'an empty label name',
      [
        {
          labels: [
            { name: '__name__', value: 'g' },
            { name: '', value: 'x' },
          ],
        },
      ],
      'a label has an empty name',
    ],
  ])('refuses a request with %s', (_name, timeseries, message) => {
    expect(() => decode(timeseries)).toThrow(DecodeError);
    expect(() => decode(timeseries)).toThrow(message);
  });

  it.each([
    ['truncated', encodeWriteRequest({ timeseries: [series({ __name__: 'g' }, [[1]])] }).subarray(0, 10)],
    ['a length past the end', new Uint8Array([0x0a, 0x7f, 0x0a])],
    ['an invalid wire type', new Uint8Array([0x0f])],
    ['an endless varint', new Uint8Array(12).fill(0xff)],
  ])('refuses a %s body as not protobuf', (_name, body) => {
    expect(() => decodeRemoteWrite(body)).toThrow(/body is not a valid protobuf message/);
  });
});

describe('native histograms', () => {
  const histogram = (fields: Record<string, unknown>) => [
    { labels: [{ name: '__name__', value: 'rpc_seconds' }], histograms: [{ timestamp: T, ...fields }] },
  ];

  it('become exponential histograms with OTLP bucket indexes', () => {
    const batch = decode(
      histogram({
        countInt: 7,
        sum: 12,
        schema: 0,
        zeroThreshold: 0.001,
        zeroCountInt: 1,
        // Prometheus buckets 1..2 and 5, deltas 2, +1 (→ 3), −2 (→ 1).
        positiveSpans: [
          { offset: 1, length: 2 },
          { offset: 2, length: 1 },
        ],
        positiveDeltas: [2, 1, -2],
      }),
    );
    expect(batch.rejected).toEqual([]);
    expect(withoutMemo(batch.points)).toEqual([
      {
        name: 'rpc_seconds',
        attributes: {},
        timeMs: T,
        value: {
          kind: 'exponentialHistogram',
          temporality: 'cumulative',
          scale: 0,
          zeroCount: 1,
          zeroThreshold: 0.001,
          positive: { offset: 0, counts: [2, 3, 0, 0, 1] },
          negative: { offset: 0, counts: [] },
          count: 7,
          sum: 12,
        },
      },
    ]);
  });

  it('reads float histograms as absolute counts', () => {
    const [point] = decode(
      histogram({
        countFloat: 2.5,
        sum: 1,
        schema: 1,
        negativeSpans: [{ offset: -1, length: 2 }],
        negativeCounts: [1.5, 1],
      }),
    ).points;
    expect(point?.value).toMatchObject({ count: 2.5, negative: { offset: -2, counts: [1.5, 1] } });
  });

  it.each([
    [
      'custom buckets',
      { schema: -53 },
      'native histograms with custom buckets (schema -53) are not supported',
    ],
    ['a schema out of range', { schema: 9 }, 'native histogram schema must be between -4 and 8 (got 9)'],
    ['a gauge reset hint', { resetHint: 3 }, 'gauge native histograms are not supported'],
    [
      'spans longer than the deltas',
      { positiveSpans: [{ offset: 0, length: 3 }], positiveDeltas: [1] },
      'positive bucket spans list more buckets than counts were sent',
    ],
    [
      'negative counts',
      { positiveSpans: [{ offset: 0, length: 2 }], positiveDeltas: [1, -2] },
      'positive bucket counts must not be negative',
    ],
    [
      'an enormous gap',
      {
        positiveSpans: [
          { offset: 0, length: 1 },
          { offset: 1000000, length: 1 },
        ],
        positiveDeltas: [1, 0],
      },
      'positive more than 16384 buckets',
    ],
  ])('rejects one with %s', (_name, fields, reason) => {
    const batch = decode(histogram({ countInt: 1, ...fields }));
    expect(batch.points).toEqual([]);
    expect(batch.rejected.map((r) => r.reason)).toEqual([reason]);
  });
});
