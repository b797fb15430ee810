import { bench, describe } from 'vitest';
import { decodeOtlpJson, decodeOtlpProtobuf } from './otlp.ts';
import { ExportMetricsServiceRequest } from './otlp-schema.ts';
import { OtlpSeriesCache } from './otlp-series-cache.ts';

/** 2,000 gauge points with 10 attributes each, like remote-write.bench.ts, under 50 metrics. */
function request(): Record<string, unknown> {
  const metrics = [];
  for (let m = 0; m < 50; m++) {
    const dataPoints = [];
    for (let i = 0; i < 40; i++) {
      const attributes = [];
      for (let l = 0; l < 9; l++)
        attributes.push({ key: `label_${l}`, value: { stringValue: `value-${(i * 7 + l) % 1000}` } });
      dataPoints.push({
        attributes,
        timeUnixNano: String(1700000000000000000n + BigInt(i)),
        asDouble: i * 1.5,
      });
    }
    metrics.push({ name: `metric_${m}`, gauge: { dataPoints } });
  }
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
        scopeMetrics: [{ scope: { name: 'bench' }, metrics }],
      },
    ],
  };
}

const plain = request();
const protobufBody = ExportMetricsServiceRequest.encode(
  ExportMetricsServiceRequest.fromObject(plain),
).finish();
const jsonBody = JSON.stringify(plain);
// A sender's next request: the same series, already known to the route's cache.
const series = new OtlpSeriesCache();
decodeOtlpProtobuf(protobufBody, { series });

describe('OTLP decoding, 2,000 points', () => {
  bench('decodeOtlpProtobuf', () => {
    decodeOtlpProtobuf(protobufBody);
  });
  bench('decodeOtlpProtobuf, series known from the previous request', () => {
    decodeOtlpProtobuf(protobufBody, { series });
  });
  bench('decodeOtlpProtobuf with a prefilter keeping 1 metric in 4', () => {
    decodeOtlpProtobuf(protobufBody, { wantsMetric: (name) => name.endsWith('0') || name.endsWith('4') });
  });
  bench('decodeOtlpJson', () => {
    decodeOtlpJson(jsonBody);
  });
});
