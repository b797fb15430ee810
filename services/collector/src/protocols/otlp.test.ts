import { describe, expect, it } from 'vitest';
import { DecodeError } from './decode-error.ts';
import { decodeOtlpJson, decodeOtlpProtobuf, otlpFormat } from './otlp.ts';
import { ExportMetricsServiceRequest } from './otlp-schema.ts';

const T = '1700000000123456789';
const T_MS = 1700000000123;

/** One resource, one scope, the given metrics — OTLP/JSON as the specification writes it. */
function request(metrics: unknown[]): Record<string, unknown> {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'contact-center' } }] },
        scopeMetrics: [
          {
            scope: {
              name: 'lib',
              version: '1',
              attributes: [{ key: 'scope.attr', value: { boolValue: true } }],
            },
            metrics,
            unknownScopeField: 'ignored',
          },
        ],
      },
    ],
  };
}

function gauge(dataPoint: Record<string, unknown>): Record<string, unknown> {
  return { name: 'g', gauge: { dataPoints: [{ timeUnixNano: T, ...dataPoint }] } };
}

const json = (metrics: unknown[]) => decodeOtlpJson(JSON.stringify(request(metrics)));

/** The same request through protobuf: fromObject reads the JSON shape, then encode. */
const proto = (metrics: unknown[]) =>
  decodeOtlpProtobuf(
    ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(request(metrics))).finish(),
  );

describe.each([
  ['json', json],
  ['protobuf', proto],
] as const)('OTLP %s decoding', (_format, decode) => {
  it('merges resource, scope and point attributes, the point winning, values as strings', () => {
    const batch = decode([
      gauge({
        asDouble: 1.5,
        attributes: [
          { key: 'service.name', value: { stringValue: 'point' } },
          { key: 'n', value: { intValue: '42' } },
          { key: 'd', value: { doubleValue: 0.25 } },
          { key: 'list', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 2 }] } } },
          { key: 'empty', value: {} },
        ],
      }),
    ]);
    expect(batch.points).toEqual([
      {
        name: 'g',
        attributes: {
          'service.name': 'point',
          'scope.attr': 'true',
          n: '42',
          d: '0.25',
          list: '["a","2"]',
          empty: '',
        },
        timeMs: T_MS,
        value: { kind: 'gauge', value: 1.5 },
      },
    ]);
  });

  it.each([
    ['asInt as a string', { asInt: '-9' }, { kind: 'gauge', value: -9 }],
    ['asInt as a number', { asInt: 9 }, { kind: 'gauge', value: 9 }],
    ['asDouble zero', { asDouble: 0 }, { kind: 'gauge', value: 0 }],
  ])('reads %s', (_name, value, expected) => {
    expect(decode([gauge(value)]).points[0]?.value).toEqual(expected);
  });

  it('keeps startTimeUnixNano as startMs', () => {
    const [point] = decode([gauge({ asDouble: 1, startTimeUnixNano: '1700000000000000000' })]).points;
    expect(point?.startMs).toBe(1700000000000);
  });

  it.each([
    ['NO_RECORDED_VALUE', { asDouble: 1, flags: 1 }, { 'no-recorded-value': 1 }],
    ['NaN', { asDouble: 'NaN' }, { 'non-finite-value': 1 }],
    ['+Inf', { asDouble: 'Infinity' }, { 'non-finite-value': 1 }],
    ['-Inf', { asDouble: '-Infinity' }, { 'non-finite-value': 1 }],
  ])('drops and counts a %s point', (_name, dataPoint, dropped) => {
    const batch = decode([gauge(dataPoint)]);
    expect(batch.points).toEqual([]);
    expect(batch.dropped).toEqual(dropped);
    expect(batch.rejectedCount).toBe(0);
  });

  it.each([
    ['no timestamp', gauge({ asDouble: 1, timeUnixNano: '0' }), 'timeUnixNano must be a positive integer'],
    ['no value', gauge({}), 'a number point needs asDouble or asInt'],
    [
      'no name',
      { name: '', gauge: { dataPoints: [{ timeUnixNano: T, asDouble: 1 }] } },
      'metric has no name',
    ],
    [
      'unspecified temporality',
      { name: 's', sum: { dataPoints: [{ timeUnixNano: T, asDouble: 1 }], aggregationTemporality: 0 } },
      'aggregationTemporality must be 1 (delta) or 2 (cumulative)',
    ],
    [
      'buckets not matching bounds',
      {
        name: 'h',
        histogram: {
          aggregationTemporality: 2,
          dataPoints: [{ timeUnixNano: T, count: 1, bucketCounts: [1], explicitBounds: [1] }],
        },
      },
      'bucketCounts must have one more entry than explicitBounds (got 1 and 1)',
    ],
    [
      'buckets not adding up to count',
      {
        name: 'h',
        histogram: {
          aggregationTemporality: 2,
          dataPoints: [{ timeUnixNano: T, count: 5, bucketCounts: [1, 1], explicitBounds: [1] }],
        },
      },
      'bucketCounts add up to 2 but count is 5',
    ],
    [
      'decreasing bounds',
      {
        name: 'h',
        histogram: {
          aggregationTemporality: 2,
          dataPoints: [{ timeUnixNano: T, count: 0, bucketCounts: [0, 0, 0], explicitBounds: [2, 1] }],
        },
      },
      'explicitBounds must be finite and strictly increasing',
    ],
    [
      'exponential counts not adding up',
      {
        name: 'e',
        exponentialHistogram: {
          aggregationTemporality: 1,
          dataPoints: [
            { timeUnixNano: T, count: 3, zeroCount: 1, positive: { offset: 0, bucketCounts: [1] } },
          ],
        },
      },
      'zeroCount and bucket counts add up to 2 but count is 3',
    ],
    [
      'a quantile above 1',
      {
        name: 'q',
        summary: {
          dataPoints: [{ timeUnixNano: T, count: 1, sum: 1, quantileValues: [{ quantile: 2, value: 1 }] }],
        },
      },
      'quantile must be between 0 and 1 (got 2)',
    ],
  ])('rejects a point with %s, saying why and where', (_name, metric, reason) => {
    const batch = decode([metric]);
    expect(batch.points).toEqual([]);
    expect(batch.rejectedCount).toBe(1);
    expect(batch.rejected[0]?.reason).toBe(reason);
    expect(batch.rejected[0]?.example).toMatch(/resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]/);
  });

  it('decodes every kind, delta and cumulative', () => {
    const batch = decode([
      {
        name: 'c',
        sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ timeUnixNano: T, asInt: '3' }] },
      },
      { name: 'u', sum: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: T, asDouble: -1 }] } },
      {
        name: 'h',
        histogram: {
          aggregationTemporality: 2,
          dataPoints: [
            {
              timeUnixNano: T,
              count: '3',
              sum: 6,
              min: 1,
              max: 3,
              bucketCounts: ['1', '2'],
              explicitBounds: [1.5],
            },
          ],
        },
      },
      {
        name: 'e',
        exponentialHistogram: {
          aggregationTemporality: 1,
          dataPoints: [
            {
              timeUnixNano: T,
              count: 4,
              scale: -1,
              zeroCount: 1,
              zeroThreshold: 0.001,
              positive: { offset: -2, bucketCounts: [1, 0, 1] },
              negative: { offset: 3, bucketCounts: ['1'] },
            },
          ],
        },
      },
      {
        name: 's',
        summary: {
          dataPoints: [
            {
              timeUnixNano: T,
              count: 10,
              sum: 20,
              quantileValues: [
                { quantile: 0.5, value: 2 },
                { quantile: 0.99, value: 'NaN' },
              ],
            },
          ],
        },
      },
    ]);
    expect(batch.rejected).toEqual([]);
    expect(batch.points.map((p) => p.value)).toEqual([
      { kind: 'sum', value: 3, monotonic: true, temporality: 'delta' },
      { kind: 'sum', value: -1, monotonic: false, temporality: 'cumulative' },
      {
        kind: 'histogram',
        temporality: 'cumulative',
        bounds: [1.5],
        counts: [1, 2],
        count: 3,
        sum: 6,
        min: 1,
        max: 3,
      },
      {
        kind: 'exponentialHistogram',
        temporality: 'delta',
        scale: -1,
        zeroCount: 1,
        zeroThreshold: 0.001,
        positive: { offset: -2, counts: [1, 0, 1] },
        negative: { offset: 3, counts: [1] },
        count: 4,
      },
      { kind: 'summary', count: 10, sum: 20, quantiles: [{ quantile: 0.5, value: 2 }] },
    ]);
  });

  it('passes far-past and far-future times and huge attribute values through for the route to judge', () => {
    const huge = 'v'.repeat(10 * 1024 * 1024);
    const batch = decode([
      gauge({
        asDouble: 1,
        timeUnixNano: '1000000',
        attributes: [{ key: 'big', value: { stringValue: huge } }],
      }),
      gauge({ asDouble: 2, timeUnixNano: '4102444800000000000' }),
    ]);
    expect(batch.points.map((p) => p.timeMs)).toEqual([1, 4102444800000]);
    expect(batch.points[0]?.attributes.big).toHaveLength(huge.length);
  });

  it('accepts an empty request', () => {
    expect(decode([]).points).toEqual([]);
  });
});

describe('otlpFormat', () => {
  it.each([
    ['application/x-protobuf', 'protobuf'],
    ['application/json; charset=utf-8', 'json'],
    ['Application/JSON', 'json'],
    ['text/plain', undefined],
    ['', undefined],
    [undefined, undefined],
  ] as const)('%j → %j', (header, expected) => {
    expect(otlpFormat(header)).toBe(expected);
  });
});

describe('OTLP/JSON specifics', () => {
  it('reads enum names as well as integers', () => {
    const batch = json([
      {
        name: 's',
        sum: {
          aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA',
          dataPoints: [{ timeUnixNano: T, asInt: 1 }],
        },
      },
    ]);
    expect(batch.points[0]?.value).toMatchObject({ temporality: 'delta' });
  });

  it('keeps the millisecond of nanosecond timestamps sent as JSON numbers', () => {
    // Written the way the opentelemetry-proto examples are: 64-bit times as bare numbers.
    // 1544712660306000000 is no double: read as a JSON number it falls into the previous ms.
    const body = `{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},
      "scopeMetrics":[{"scope":{"name":"lib","version":"2"},"metrics":[
        {"name":"jobs","sum":{"aggregationTemporality":1,"isMonotonic":true,"dataPoints":[
          {"asDouble":3,"startTimeUnixNano":1544712660300000000,"timeUnixNano": 1544712660306000000,
           "attributes":[{"key":"note","value":{"stringValue":"\\"timeUnixNano\\": 1544712660300000000"}}]}]}}]}]}]}`;
    const [point] = decodeOtlpJson(body).points;
    expect(point).toEqual({
      name: 'jobs',
      attributes: { 'service.name': 'svc', note: '"timeUnixNano": 1544712660300000000' },
      startMs: 1544712660300,
      timeMs: 1544712660306,
      value: { kind: 'sum', value: 3, monotonic: true, temporality: 'delta' },
    });
  });

  it('keeps the millisecond of a nanosecond string beyond double precision', () => {
    const [point] = json([gauge({ asDouble: 1, timeUnixNano: '1700000000000999999' })]).points;
    expect(point?.timeMs).toBe(1700000000000);
  });

  it.each([
    ['not JSON', '{', 'body is not valid JSON'],
    ['an empty body', '', 'body is not valid JSON'],
    ['an array', '[]', 'body must be a JSON object'],
    ['resourceMetrics not an array', '{"resourceMetrics":{}}', 'resourceMetrics: expected an array'],
    [
      'a timestamp that is not an integer',
      JSON.stringify(
        request([{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: T, asDouble: 1, flags: 'x' }] } }]),
      ),
      'resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].flags: expected an integer',
    ],
    [
      'a value that is not a number',
      JSON.stringify(request([gauge({ asDouble: 'fast' })])),
      'resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].asDouble: expected a number',
    ],
    [
      'an attribute key that is not a string',
      JSON.stringify(request([gauge({ asDouble: 1, attributes: [{ key: 1, value: {} }] })])),
      'resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].attributes[0].key: expected a string',
    ],
  ])('refuses %s with the JSON path of the problem', (_name, body, message) => {
    expect(() => decodeOtlpJson(body)).toThrow(DecodeError);
    expect(() => decodeOtlpJson(body)).toThrow(message);
  });
});

describe('OTLP protobuf malformed bodies', () => {
  const valid = ExportMetricsServiceRequest.encode(
    ExportMetricsServiceRequest.fromObject(request([gauge({ asDouble: 1 })])),
  ).finish();

  it('decodes the untruncated body', () => {
    expect(decodeOtlpProtobuf(valid).points).toHaveLength(1);
  });

  it.each([
    ['truncated', valid.subarray(0, valid.length - 3)],
    ['garbage', new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff])],
    ['a length beyond the body', new Uint8Array([0x0a, 0xff, 0xff, 0x03, 0x00])],
  ])('refuses a %s body as not a valid request', (_name, body) => {
    expect(() => decodeOtlpProtobuf(body)).toThrow(/body is not a valid OTLP ExportMetricsServiceRequest/);
  });

  it('answers every truncation and every flipped byte with points or a DecodeError, nothing else', () => {
    const body = ExportMetricsServiceRequest.encode(
      ExportMetricsServiceRequest.fromObject(
        request([
          gauge({ asDouble: 1, attributes: [{ key: 'a', value: { stringValue: 'b' } }] }),
          {
            name: 'h',
            histogram: {
              aggregationTemporality: 2,
              dataPoints: [{ timeUnixNano: T, count: 3, bucketCounts: [1, 2], explicitBounds: [1] }],
            },
          },
        ]),
      ),
    ).finish();
    const outcome = (bytes: Uint8Array) => {
      try {
        return decodeOtlpProtobuf(bytes) && 'decoded';
      } catch (error) {
        return error instanceof DecodeError ? 'refused' : error;
      }
    };
    const variants: Uint8Array[] = [];
    for (let length = 0; length < body.length; length++) variants.push(body.subarray(0, length));
    for (let at = 0; at < body.length; at++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const changed = Uint8Array.from(body);
        changed[at] = (changed[at] as number) ^ flip;
        variants.push(changed);
      }
    }
    const outcomes = variants.map(outcome);
    expect(outcomes.filter((o) => o !== 'decoded' && o !== 'refused')).toEqual([]);
    expect(outcomes).toContain('refused');
  });

  it('accepts an empty body as an empty request', () => {
    expect(decodeOtlpProtobuf(new Uint8Array()).points).toEqual([]);
  });
});
