import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { decodeOtlpJson } from './otlp.ts';
import { decodeOtlpProtobuf } from './otlp-protobuf.ts';
import { ExportMetricsServiceRequest } from './otlp-schema.ts';
import { OtlpSeriesCache } from './otlp-series-cache.ts';
import { type Point, seriesKey } from './point.ts';

const T = 1_700_000_000_000;

type Attribute = [string, string];

interface Series {
  readonly name?: string;
  readonly service?: string;
  readonly attributes: readonly Attribute[];
}

const keyValues = (attributes: readonly Attribute[]) =>
  attributes.map(([key, value]) => ({ key, value: { stringValue: value } }));

/** One request: each series a gauge point at `timeMs`, one metric per series, resources as named. */
function body(series: readonly Series[], timeMs = T): Uint8Array {
  return ExportMetricsServiceRequest.encode(
    ExportMetricsServiceRequest.fromObject({
      resourceMetrics: series.map((s) => ({
        resource: { attributes: keyValues([['service.name', s.service ?? 'checkout']]) },
        scopeMetrics: [
          {
            metrics: [
              {
                name: s.name ?? 'requests',
                gauge: {
                  dataPoints: [
                    { attributes: keyValues(s.attributes), timeUnixNano: `${timeMs}000000`, asDouble: 1 },
                  ],
                },
              },
            ],
          },
        ],
      })),
    }),
  ).finish();
}

const decode = (bytes: Uint8Array, series: OtlpSeriesCache) => decodeOtlpProtobuf(bytes, { series }).points;
const memos = (points: readonly Point[]) => points.map((p) => p.memo);

const on: Series = { attributes: [['variant', 'on']] };
const off: Series = { attributes: [['variant', 'off']] };
const region: Series = { attributes: [['region', 'eu']] };

describe('OTLP protobuf series known across requests', () => {
  it('gives each series one memo and one attributes record for as long as it is known', () => {
    const cache = new OtlpSeriesCache();
    const first = decode(body([on, off]), cache);
    const again = decode(body([on, off], T + 10_000), cache);
    const reordered = decode(body([off, on], T + 20_000), cache);
    expect(first[0]?.memo).toHaveProperty('derived');
    expect(first[0]?.memo).not.toBe(first[1]?.memo);
    expect(memos(again)).toEqual(memos(first));
    expect(again[0]?.memo).toBe(first[0]?.memo);
    expect(again[1]?.attributes).toBe(first[1]?.attributes);
    expect(reordered[0]?.memo).toBe(first[1]?.memo);
    expect(reordered[1]?.memo).toBe(first[0]?.memo);
    expect(again.map((p) => p.timeMs)).toEqual([T + 10_000, T + 10_000]);
    expect(cache.size).toBe(2);
  });

  it('keeps series apart that share point attributes under another resource or metric', () => {
    const cache = new OtlpSeriesCache();
    const points = decode(body([on, { ...on, service: 'billing' }, { ...on, name: 'errors' }]), cache);
    expect(new Set(memos(points)).size).toBe(3);
    expect(points.map((p) => p.attributes)).toEqual([
      { 'service.name': 'checkout', variant: 'on' },
      { 'service.name': 'billing', variant: 'on' },
      { 'service.name': 'checkout', variant: 'on' },
    ]);
  });

  it('maps attributes sent in another order to the same series downstream, with equal records', () => {
    const cache = new OtlpSeriesCache();
    const ab: Series = {
      attributes: [
        ['a', '1'],
        ['b', '2'],
      ],
    };
    const ba: Series = {
      attributes: [
        ['b', '2'],
        ['a', '1'],
      ],
    };
    const [first, second] = decode(body([ab, ba]), cache);
    expect(second?.attributes).toEqual(first?.attributes);
    expect(seriesKey(second?.name ?? '', second?.attributes ?? {})).toBe(
      seriesKey(first?.name ?? '', first?.attributes ?? {}),
    );
  });

  it('forgets the oldest series past its limit, and then decodes it afresh', () => {
    const cache = new OtlpSeriesCache({ series: 2, bytes: 1_000_000 });
    const first = decode(body([on, off, region]), cache);
    expect(cache.size).toBe(2);
    // `on` was the oldest: forgotten; `region`, the newest, is still known.
    const [regionAgain] = decode(body([region], T + 10_000), cache);
    expect(regionAgain?.memo).toBe(first[2]?.memo);
    const [onAgain] = decode(body([on], T + 20_000), cache);
    expect(onAgain?.memo).not.toBe(first[0]?.memo);
    expect(onAgain?.attributes).toEqual(first[0]?.attributes);
    expect(cache.size).toBe(2);
    // Counted for the metrics: `on`, then `off` to make room for `on` again.
    expect(cache.forgotten).toEqual({ idle: 0, full: 2 });
  });

  it('does not follow a forgotten series as the hint for the next one', () => {
    const cache = new OtlpSeriesCache({ series: 2, bytes: 1_000_000 });
    decode(body([on, off]), cache);
    decode(body([region]), cache); // forgets `on`, whose hint was `off`
    const points = decode(body([on, off], T + 10_000), cache);
    expect(points.map((p) => p.attributes.variant)).toEqual(['on', 'off']);
    expect(cache.size).toBe(2);
  });

  it('forgets the series no request held since the last sweep, and is no hint with them', () => {
    const cache = new OtlpSeriesCache();
    const first = decode(body([on, off, region]), cache);
    // Made in this round: all kept by the first sweep.
    expect(cache.forgetIdle()).toBe(0);
    // `on` and `region` since, as expected series (the hint) and found by key.
    decode(body([on, region], T + 10_000), cache);
    expect(cache.forgetIdle()).toBe(1);
    expect(cache.size).toBe(2);
    const again = decode(body([on, off, region], T + 20_000), cache);
    expect(again.map((p) => p.attributes)).toEqual(first.map((p) => p.attributes));
    expect(memos(again)).toEqual([first[0]?.memo, again[1]?.memo, first[2]?.memo]);
    expect(again[1]?.memo).not.toBe(first[1]?.memo);
    // A whole round without requests: all go, bases too, and come back as new series.
    expect(cache.forgetIdle()).toBe(0);
    expect(cache.forgetIdle()).toBe(3);
    expect(cache.size).toBe(0);
    const back = decode(body([on, off, region], T + 30_000), cache);
    expect(back.map((p) => p.attributes)).toEqual(first.map((p) => p.attributes));
    expect(back[0]?.memo).not.toBe(first[0]?.memo);
    expect(cache.size).toBe(3);
    expect(cache.forgotten).toEqual({ idle: 4, full: 0 });
  });

  it('hands out no memo without a cache that outlives the request', () => {
    const points = decodeOtlpProtobuf(body([on, on])).points;
    expect(points.map((p) => p.memo)).toEqual([undefined, undefined]);
    // Within the request the series is still decoded once.
    expect(points[1]?.attributes).toBe(points[0]?.attributes);
  });

  it('forgets the oldest series past its byte budget, and keeps no series larger than all of it', () => {
    // Each of these keys is 62 bytes long: two fit.
    const cache = new OtlpSeriesCache({ series: 100, bytes: 130 });
    const long = (value: string): Series => ({ attributes: [['pod', value.repeat(40)]] });
    const first = decode(body([long('a'), long('b')]), cache);
    expect(cache.size).toBe(2);
    expect(cache.bytes).toBeLessThanOrEqual(130);
    const [third] = decode(body([long('c')], T + 10_000), cache);
    expect(cache.size).toBe(2);
    const [b] = decode(body([long('b')], T + 20_000), cache);
    expect(b?.memo).toBe(first[1]?.memo);
    expect(third?.memo).toHaveProperty('derived');
    // Over the whole budget: decoded every time, never kept, never a hint.
    const huge: Series = { attributes: [['pod', 'x'.repeat(200)]] };
    const [once] = decode(body([huge]), cache);
    const [twice] = decode(body([huge], T + 10_000), cache);
    expect(twice?.memo).not.toBe(once?.memo);
    expect(twice?.attributes).toEqual(once?.attributes);
    expect(cache.bytes).toBeLessThanOrEqual(130);
  });

  it('refuses limits that are not positive integers', () => {
    expect(() => new OtlpSeriesCache({ series: 0, bytes: 1 })).toThrow(
      /limits.series must be a positive integer/,
    );
    expect(() => new OtlpSeriesCache({ series: 1, bytes: 0.5 })).toThrow(/limits.bytes/);
  });
});

describe('OTLP protobuf attribute fields split by other fields', () => {
  /** A request of one gauge whose data points are given as raw bytes. */
  function rawPoints(points: readonly Uint8Array[]): Uint8Array {
    const writer = protobuf.Writer.create();
    for (const point of points) writer.uint32((1 << 3) | 2).bytes(point);
    const gauge = writer.finish();
    const metric = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .string('requests')
      .uint32((5 << 3) | 2)
      .bytes(gauge)
      .finish();
    const scope = protobuf.Writer.create()
      .uint32((2 << 3) | 2)
      .bytes(metric)
      .finish();
    const resource = protobuf.Writer.create()
      .uint32((2 << 3) | 2)
      .bytes(scope)
      .finish();
    return protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .bytes(resource)
      .finish();
  }
  const rawPoint = (point: Uint8Array) => rawPoints([point]);
  const NumberDataPoint = ExportMetricsServiceRequest.root.lookupType('otlp.NumberDataPoint');
  const pointBytes = (fields: object) => NumberDataPoint.encode(NumberDataPoint.fromObject(fields)).finish();

  it('are one series with the same attributes as when sent side by side', () => {
    const cache = new OtlpSeriesCache();
    const time = { timeUnixNano: `${T}000000`, asDouble: 2 };
    const sideBySide = pointBytes({
      attributes: keyValues([
        ['a', '1'],
        ['b', '2'],
      ]),
      ...time,
    });
    // Two encodings concatenated are one message: a, then time and value, then b.
    const split = Buffer.concat([
      pointBytes({ attributes: keyValues([['a', '1']]), ...time }),
      pointBytes({ attributes: keyValues([['b', '2']]) }),
    ]);
    const [whole] = decode(rawPoint(sideBySide), cache);
    const [parts] = decode(rawPoint(split), cache);
    expect(parts).toEqual(whole);
    expect(parts?.attributes).toEqual({ a: '1', b: '2' });
    expect(parts?.memo).toBe(whole?.memo);
  });

  it("are decoded whole when they begin with the expected series' bytes and more follow", () => {
    const cache = new OtlpSeriesCache();
    const time = { timeUnixNano: `${T}000000`, asDouble: 2 };
    const ac = keyValues([
      ['a', '1'],
      ['c', '3'],
    ]);
    const first = pointBytes({ attributes: keyValues([['x', '0']]), ...time });
    const second = pointBytes({ attributes: ac, ...time });
    // x, then {a, c}: {a, c} is the series expected after x.
    decode(rawPoints([first, second]), cache);
    // x, then a and c as sent before, the time and value, and d after them.
    const longer = Buffer.concat([
      pointBytes({ attributes: ac, ...time }),
      pointBytes({ attributes: keyValues([['d', '4']]) }),
    ]);
    const [x, acd] = decode(rawPoints([first, longer]), cache);
    expect(x?.attributes).toEqual({ x: '0' });
    expect(acd?.attributes).toEqual({ a: '1', c: '3', d: '4' });
    const [, again] = decode(rawPoints([first, longer]), cache);
    expect(again?.memo).toBe(acd?.memo);
  });
});

describe('OTLP/JSON series known across requests', () => {
  /** The same request as OTLP/JSON text, spaced out when `spaced`. */
  function jsonBody(series: readonly Series[], timeMs = T, spaced = false): string {
    const request = ExportMetricsServiceRequest.toObject(
      ExportMetricsServiceRequest.decode(body(series, timeMs)),
      { longs: String },
    );
    return JSON.stringify(request, null, spaced ? 2 : undefined);
  }
  const decodeJson = (text: string, series?: OtlpSeriesCache) =>
    decodeOtlpJson(text, series === undefined ? {} : { series }).points;
  const withoutMemo = (points: readonly Point[]) => points.map(({ memo: _, ...rest }) => rest);

  it('decodes the same points as without a cache, and gives each series one memo and one record', () => {
    const cache = new OtlpSeriesCache();
    const first = decodeJson(jsonBody([on, off, region]), cache);
    const again = decodeJson(jsonBody([on, off, region], T + 10_000), cache);
    expect(withoutMemo(first)).toEqual(withoutMemo(decodeJson(jsonBody([on, off, region]))));
    expect(withoutMemo(again)).toEqual(withoutMemo(decodeJson(jsonBody([on, off, region], T + 10_000))));
    expect(first[0]?.memo).toHaveProperty('derived');
    expect(new Set(memos(first)).size).toBe(3);
    expect(memos(again)).toEqual(memos(first));
    expect(again[1]?.attributes).toBe(first[1]?.attributes);
    expect(cache.size).toBe(3);
  });

  it('knows a series whatever the spacing of its text', () => {
    const cache = new OtlpSeriesCache();
    const [compact] = decodeJson(jsonBody([on]), cache);
    const [spaced] = decodeJson(jsonBody([on], T + 10_000, true), cache);
    expect(spaced?.memo).toBe(compact?.memo);
  });

  it('takes a changed attribute, resource or metric for a new series', () => {
    const cache = new OtlpSeriesCache();
    const [first] = decodeJson(jsonBody([on]), cache);
    const changed = decodeJson(
      jsonBody([off, { ...on, service: 'billing' }, { ...on, name: 'errors' }], T + 10_000),
      cache,
    );
    expect(new Set([first?.memo, ...memos(changed)]).size).toBe(4);
    expect(changed.map((p) => p.attributes)).toEqual([
      { 'service.name': 'checkout', variant: 'off' },
      { 'service.name': 'billing', variant: 'on' },
      { 'service.name': 'checkout', variant: 'on' },
    ]);
    expect(changed.map((p) => p.name)).toEqual(['requests', 'requests', 'errors']);
  });

  it('takes a changed attribute for a new series where the series it changed from was expected', () => {
    const cache = new OtlpSeriesCache();
    const first = decodeJson(jsonBody([on, off]), cache);
    const offEu: Series = {
      attributes: [
        ['variant', 'off'],
        ['region', 'eu'],
      ],
    };
    const changed = decodeJson(
      jsonBody([on, { attributes: [['variant', 'of']] }, on, offEu], T + 10_000),
      cache,
    );
    expect(changed.map((p) => p.attributes.variant)).toEqual(['on', 'of', 'on', 'off']);
    expect(changed[3]?.attributes).toEqual({ 'service.name': 'checkout', variant: 'off', region: 'eu' });
    expect(changed[0]?.memo).toBe(first[0]?.memo);
    expect(changed[2]?.memo).toBe(first[0]?.memo);
    expect(new Set([...memos(first), changed[1]?.memo, changed[3]?.memo]).size).toBe(4);
    // Expected again in the order last seen: on, then off-with-region.
    const again = decodeJson(jsonBody([on, offEu], T + 20_000), cache);
    expect(memos(again)).toEqual([first[0]?.memo, changed[3]?.memo]);
  });

  it('knows a series whose KeyValue objects list their fields in another order, not one with more', () => {
    const cache = new OtlpSeriesCache();
    // Each after the same first point, so that the series last seen there is the one expected.
    const text = (keyValue: string) => {
      const point = (attribute: string) =>
        `{"attributes":[${attribute}],"timeUnixNano":"${T}000000","asDouble":1}`;
      const first = point('{"key":"first","value":{"stringValue":"yes"}}');
      return `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"requests","gauge":{"dataPoints":[${first},${point(keyValue)}]}}]}]}]}`;
    };
    const [, keyFirst] = decodeJson(text('{"key":"variant","value":{"stringValue":"on"}}'), cache);
    const [, valueFirst] = decodeJson(text('{"value":{"stringValue":"on"},"key":"variant"}'), cache);
    expect(valueFirst?.attributes).toEqual({ variant: 'on' });
    expect(valueFirst?.memo).toBe(keyFirst?.memo);
    // One field more is another value, though every field of the first is there.
    decodeJson(text('{"key":"variant","value":{"intValue":"5"}}'), cache);
    const [, more] = decodeJson(text('{"key":"variant","value":{"intValue":"5","stringValue":"on"}}'), cache);
    expect(more?.attributes).toEqual({ variant: 'on' });
  });

  it('does not take an overflowing number for null: both texts are written null', () => {
    const cache = new OtlpSeriesCache();
    const text = (value: string) =>
      `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"requests","gauge":{"dataPoints":[{"attributes":[{"key":"x","value":{"doubleValue":${value}}}],"timeUnixNano":"${T}000000","asDouble":1}]}}]}]}]}`;
    const [overflow] = decodeJson(text('1e999'), cache);
    const [none] = decodeJson(text('null'), cache);
    expect(overflow?.attributes).toEqual({ x: 'Infinity' });
    expect(none?.attributes).toEqual({ x: '' });
  });

  it('forgets the series no request held since the last sweep', () => {
    const cache = new OtlpSeriesCache();
    const first = decodeJson(jsonBody([on, off, region]), cache);
    expect(cache.forgetIdle()).toBe(0);
    decodeJson(jsonBody([off], T + 10_000), cache);
    expect(cache.forgetIdle()).toBe(2);
    const again = decodeJson(jsonBody([on, off, region], T + 20_000), cache);
    expect(withoutMemo(again)).toEqual(withoutMemo(decodeJson(jsonBody([on, off, region], T + 20_000))));
    expect(again[1]?.memo).toBe(first[1]?.memo);
    expect(again[0]?.memo).not.toBe(first[0]?.memo);
    expect(cache.size).toBe(3);
  });

  it('forgets the oldest series past its limit, and then decodes it afresh', () => {
    const cache = new OtlpSeriesCache({ series: 2, bytes: 1_000_000 });
    const first = decodeJson(jsonBody([on, off, region]), cache);
    expect(cache.size).toBe(2);
    const [regionAgain] = decodeJson(jsonBody([region], T + 10_000), cache);
    expect(regionAgain?.memo).toBe(first[2]?.memo);
    const [onAgain] = decodeJson(jsonBody([on], T + 20_000), cache);
    expect(onAgain?.memo).not.toBe(first[0]?.memo);
    expect(onAgain?.attributes).toEqual(first[0]?.attributes);
    expect(cache.size).toBe(2);
  });
});
