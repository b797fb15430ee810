import {
  AggregationTemporalityPreference,
  OTLPMetricExporter as JsonExporter,
} from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { type Cohort, readBucketVector } from '@rollout-guard/shared/store';
import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeRollout, startIngestApp } from './ingest-test-kit.ts';

let server: TestRedis;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server.stop();
});

const METRICS = ['contacts_total', 'active_sessions', 'handle_seconds', 'latency_seconds', 'queue_depth'];
const HANDLE_BOUNDS = [0.1, 0.5, 1, 5];
const HANDLE_VALUES = [0.05, 0.3, 0.7, 2, 10];
const LATENCY_VALUES = [0.001, 0.5, 1, 3, 100];
const ROUNDS = 3;

type Transport = 'http/json' | 'http/protobuf';
type Temporality = 'delta' | 'cumulative';

function exporterFor(transport: Transport, temporality: Temporality, url: string): PushMetricExporter {
  const temporalityPreference =
    temporality === 'delta'
      ? AggregationTemporalityPreference.DELTA
      : AggregationTemporalityPreference.CUMULATIVE;
  return transport === 'http/json'
    ? new JsonExporter({ url, temporalityPreference })
    : new ProtoExporter({ url, temporalityPreference });
}

describe.each([
  ['http/json', 'delta'],
  ['http/json', 'cumulative'],
  ['http/protobuf', 'delta'],
  ['http/protobuf', 'cumulative'],
] as const)('the OpenTelemetry JS SDK exporting over %s with %s temporality', (transport, temporality) => {
  it('stores what was recorded: counters, up-down counters, explicit and exponential histograms, gauges', async () => {
    await server.flushAll();
    const kit = await startIngestApp(server.url, [activeRollout({ metrics: METRICS })]);
    const http = await kit.listen();
    const reader = new PeriodicExportingMetricReader({
      exporter: exporterFor(transport, temporality, `http://127.0.0.1:${http.port}/v1/metrics`),
      exportIntervalMillis: 3_600_000,
    });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'contact-center' }),
      readers: [reader],
      views: [
        { instrumentName: 'latency_seconds', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } },
      ],
    });
    try {
      const meter = provider.getMeter('ingest-test');
      const contacts = meter.createCounter('contacts_total');
      const sessions = meter.createUpDownCounter('active_sessions');
      const handle = meter.createHistogram('handle_seconds', {
        advice: { explicitBucketBoundaries: HANDLE_BOUNDS },
      });
      const latency = meter.createHistogram('latency_seconds');
      const queue = meter.createGauge('queue_depth');
      const on = { 'feature_flag.key': 'copilot-assist', 'feature_flag.result.variant': 'on' };
      const off = { 'feature_flag.key': 'copilot-assist', 'feature_flag.result.variant': 'off' };

      for (let round = 1; round <= ROUNDS; round++) {
        contacts.add(2 * round, on);
        contacts.add(round, off);
        sessions.add(3, on);
        sessions.add(-1, on);
        for (const v of HANDLE_VALUES) handle.record(v, on);
        for (const v of LATENCY_VALUES) latency.record(v, on);
        queue.record(10 * round, on);
        await reader.forceFlush();
      }

      const read = (metric: string, cohort: Cohort = 'treatment') =>
        readBucketVector(kit.deps.redis, {
          rollout: 'copilot',
          metric,
          cohort,
          window: { kind: 'wave', waveEpoch: 1 },
        });

      expect((await read('contacts_total')).counterIncrease).toBe(2 + 4 + 6);
      expect((await read('contacts_total', 'control')).counterIncrease).toBe(1 + 2 + 3);
      expect((await read('active_sessions')).counterIncrease).toBe(2 * ROUNDS);

      const handleStored = await read('handle_seconds');
      expect(handleStored.count).toBe(HANDLE_VALUES.length * ROUNDS);
      expect(handleStored.sum).toBeCloseTo(HANDLE_VALUES.reduce((a, b) => a + b) * ROUNDS, 9);
      expect(handleStored.explicit.size).toBe(1);
      expect([...[...handleStored.explicit.values()][0]!].sort(([a], [b]) => a - b)).toEqual([
        [0.1, ROUNDS],
        [0.5, ROUNDS],
        [1, ROUNDS],
        [5, ROUNDS],
        [Number.POSITIVE_INFINITY, ROUNDS],
      ]);

      const latencyStored = await read('latency_seconds');
      expect(latencyStored.count).toBe(LATENCY_VALUES.length * ROUNDS);
      expect(latencyStored.sum).toBeCloseTo(LATENCY_VALUES.reduce((a, b) => a + b) * ROUNDS, 9);
      const [scale, buckets] = [...latencyStored.exponential][0]!;
      expect([...buckets.positive.values()].reduce((a, b) => a + b) + latencyStored.zeroCount).toBe(
        LATENCY_VALUES.length * ROUNDS,
      );
      // Every recorded value lies in the bucket it was counted in.
      const base = 2 ** (2 ** -scale);
      for (const v of LATENCY_VALUES) {
        const index = [...buckets.positive.keys()].find(
          (i) => base ** i < v && v <= base ** (i + 1) * (1 + 1e-12),
        );
        expect(index, `a bucket holding ${v}`).toBeDefined();
      }

      const queueStored = await read('queue_depth');
      expect(queueStored.lastValue).toBe(10 * ROUNDS);
      expect(queueStored.max).toBe(10 * ROUNDS);
      expect(queueStored.min).toBe(10);
      expect(queueStored.count).toBe(ROUNDS);
      expect(kit.stored).toContain('copilot');
    } finally {
      await provider.shutdown();
      await kit.close();
    }
  });
});
