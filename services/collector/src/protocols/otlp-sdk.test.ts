import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  AggregationType,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { decodeOtlpJson, decodeOtlpProtobuf } from './otlp.ts';
import type { Point } from './point.ts';

class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** Records with the real OpenTelemetry JS SDK and returns what it would export. */
async function record(temporality: AggregationTemporality): Promise<ResourceMetrics> {
  const reader = new TestReader({ aggregationTemporalitySelector: () => temporality });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'contact-center', 'deployment.environment': 'prod' }),
    readers: [reader],
    views: [
      {
        instrumentName: 'copilot_response_seconds',
        aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM },
      },
    ],
  });
  const meter = provider.getMeter('checkout', '1.2.3');
  const on = { 'feature_flag.result.variant': 'on', 'http.status_code': 200 };
  const off = { 'feature_flag.result.variant': 'off', 'http.status_code': 200 };

  const requests = meter.createCounter('contacts_total');
  requests.add(5, on);
  requests.add(7, on);
  requests.add(3, off);

  meter.createUpDownCounter('queue_depth').add(-4, on);

  const handle = meter.createHistogram('contact_handle_time_seconds', {
    advice: { explicitBucketBoundaries: [1, 5, 10] },
  });
  for (const v of [0.5, 2, 3, 12]) handle.record(v, on);

  const latency = meter.createHistogram('copilot_response_seconds');
  for (const v of [0.25, 0.5, 4]) latency.record(v, off);

  meter.createGauge('csat_score').record(4.5, { ...on, 'service.name': 'point-wins' });

  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  await provider.shutdown();
  return resourceMetrics;
}

function byName(points: readonly Point[], name: string): Point[] {
  return points.filter((p) => p.name === name);
}

const serializers = [
  [
    'protobuf',
    (rm: ResourceMetrics) => decodeOtlpProtobuf(ProtobufMetricsSerializer.serializeRequest(rm) as Uint8Array),
  ],
  ['json', (rm: ResourceMetrics) => decodeOtlpJson(JsonMetricsSerializer.serializeRequest(rm) as Uint8Array)],
] as const;

describe.each(serializers)('OTLP %s from the OpenTelemetry JS SDK', (_format, decode) => {
  it.each([
    ['cumulative', AggregationTemporality.CUMULATIVE],
    ['delta', AggregationTemporality.DELTA],
  ] as const)('decodes every instrument recorded with %s temporality', async (temporality, selector) => {
    const recorded = await record(selector);
    const batch = decode(recorded);
    expect(batch.rejected).toEqual([]);
    expect(batch.points).toHaveLength(6);

    const sdkPoint = recorded.scopeMetrics[0]?.metrics.find((m) => m.descriptor.name === 'contacts_total')
      ?.dataPoints[0];
    const [sec, ns] = sdkPoint?.endTime ?? [0, 0];
    const timeMs = sec * 1000 + Math.floor(ns / 1e6);

    const contacts = byName(batch.points, 'contacts_total');
    expect(contacts.map((p) => [p.attributes['feature_flag.result.variant'], p.value])).toEqual([
      ['on', { kind: 'sum', value: 12, monotonic: true, temporality }],
      ['off', { kind: 'sum', value: 3, monotonic: true, temporality }],
    ]);
    expect(contacts[0]?.timeMs).toBe(timeMs);
    expect(contacts[0]?.startMs).toBeLessThanOrEqual(timeMs);
    expect(contacts[0]?.attributes).toEqual({
      'service.name': 'contact-center',
      'deployment.environment': 'prod',
      'feature_flag.result.variant': 'on',
      'http.status_code': '200',
    });

    expect(byName(batch.points, 'queue_depth').map((p) => p.value)).toEqual([
      { kind: 'sum', value: -4, monotonic: false, temporality },
    ]);

    expect(byName(batch.points, 'contact_handle_time_seconds').map((p) => p.value)).toEqual([
      {
        kind: 'histogram',
        temporality,
        bounds: [1, 5, 10],
        counts: [1, 2, 0, 1],
        count: 4,
        sum: 17.5,
        min: 0.5,
        max: 12,
      },
    ]);

    const [latency] = byName(batch.points, 'copilot_response_seconds');
    expect(latency?.value).toMatchObject({
      kind: 'exponentialHistogram',
      temporality,
      count: 3,
      sum: 4.75,
      min: 0.25,
      max: 4,
      zeroCount: 0,
      negative: { offset: 0, counts: [] },
    });
    if (latency?.value.kind === 'exponentialHistogram') {
      const { scale, positive } = latency.value;
      // 0.25, 0.5 and 4 are 2^-2, 2^-1 and 2^2; bucket i covers (base^i, base^(i+1)], so 2^e
      // sits in bucket e·2^scale − 1.
      for (const e of [-2, -1, 2]) {
        expect(positive.counts[e * 2 ** scale - 1 - positive.offset]).toBe(1);
      }
      expect(positive.counts.reduce((a, b) => a + b, 0)).toBe(3);
    }

    const [csat] = byName(batch.points, 'csat_score');
    expect(csat?.value).toEqual({ kind: 'gauge', value: 4.5 });
    expect(csat?.attributes['service.name']).toBe('point-wins');
  });

  it('drops points of unwanted metrics before building them', async () => {
    const recorded = await record(AggregationTemporality.CUMULATIVE);
    const batch =
      _format === 'protobuf'
        ? decodeOtlpProtobuf(ProtobufMetricsSerializer.serializeRequest(recorded) as Uint8Array, {
            wantsMetric: (name) => name === 'csat_score',
          })
        : decodeOtlpJson(JsonMetricsSerializer.serializeRequest(recorded) as Uint8Array, {
            wantsMetric: (name) => name === 'csat_score',
          });
    expect(batch.points.map((p) => p.name)).toEqual(['csat_score']);
    expect(batch.dropped).toEqual({ 'unwanted-metric': 5 });
  });
});
