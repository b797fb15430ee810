import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AggregationTemporalityPreference,
  OTLPMetricExporter as JsonExporter,
} from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { type Cohort, readBucketVector } from '@rollout-guard/shared/store';
import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { activeRollout, type IngestApp, startIngestApp } from './ingest-test-kit.ts';

let server: TestRedis;
const open: Array<{ close(): Promise<void> }> = [];
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
  await server.flushAll();
});

const ON = { 'feature_flag.result.variant': 'on' };
const OFF = { 'feature_flag.result.variant': 'off' };

const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

/**
 * A load balancer in front of collector replicas: each request goes to the next one in turn, or
 * (`duplicate`) to every one of them, as a sender retrying through a balancer would do.
 */
async function balancer(
  targets: number[],
  mode: 'round-robin' | 'duplicate',
): Promise<{ port: number; close(): Promise<void> }> {
  let next = 0;
  const proxy: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && !HOP_BY_HOP.has(k)) headers[k] = v;
      }
      const ports = mode === 'duplicate' ? targets : [targets[next++ % targets.length]!];
      let last: Response | undefined;
      for (const port of ports) {
        last = await fetch(`http://127.0.0.1:${port}${req.url}`, { method: 'POST', headers, body });
        if (port !== ports.at(-1)) await last.arrayBuffer();
      }
      const answer = Object.fromEntries([...last!.headers].filter(([k]) => !HOP_BY_HOP.has(k)));
      res.writeHead(last!.status, answer);
      res.end(Buffer.from(await last!.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: (proxy.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => proxy.close(() => resolve())),
  };
}

async function collectors(count: number): Promise<{ kits: IngestApp[]; ports: number[] }> {
  const kits: IngestApp[] = [];
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const kit = await startIngestApp(server.url, [activeRollout({ metrics: ['contacts_total'] })]);
    open.push(kit);
    kits.push(kit);
    ports.push((await kit.listen()).port);
  }
  return { kits, ports };
}

function sender(exporter: PushMetricExporter, exportIntervalMillis = 3_600_000) {
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis,
    exportTimeoutMillis: 30_000,
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'contact-center' }),
    readers: [reader],
  });
  return { reader, provider, counter: provider.getMeter('faults').createCounter('contacts_total') };
}

const increase = async (kit: IngestApp, cohort: Cohort) =>
  (
    await readBucketVector(kit.deps.redis, {
      rollout: 'copilot',
      metric: 'contacts_total',
      cohort,
      window: { kind: 'wave', waveEpoch: 1 },
    })
  ).counterIncrease;

describe('ingest under faults', () => {
  it('counts exact increases through two collector replicas, sender restarts and duplicated deliveries', async () => {
    const { kits, ports } = await collectors(2);
    const roundRobin = await balancer(ports, 'round-robin');
    const duplicate = await balancer(ports, 'duplicate');
    open.push(roundRobin, duplicate);
    const url = (port: number) => `http://127.0.0.1:${port}/v1/metrics`;
    const cumulative = AggregationTemporalityPreference.CUMULATIVE;

    // First process: batches alternate between the replicas.
    const first = sender(new ProtoExporter({ url: url(roundRobin.port), temporalityPreference: cumulative }));
    first.counter.add(5, ON);
    await first.reader.forceFlush();
    first.counter.add(7, ON);
    await first.reader.forceFlush();
    await first.reader.forceFlush(); // nothing new: the same cumulative value again
    await first.provider.shutdown();

    // The sender restarts: a new start time, its counter from zero again, below the last value seen.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = sender(
      new ProtoExporter({ url: url(roundRobin.port), temporalityPreference: cumulative }),
    );
    second.counter.add(3, ON);
    await second.reader.forceFlush();
    second.counter.add(4, ON);
    await second.reader.forceFlush();
    await second.provider.shutdown();

    // A delta sender whose every batch reaches both replicas (a retry after a lost answer).
    const delta = sender(
      new JsonExporter({
        url: url(duplicate.port),
        temporalityPreference: AggregationTemporalityPreference.DELTA,
      }),
    );
    for (const n of [2, 9, 1]) {
      delta.counter.add(n, OFF);
      await delta.reader.forceFlush();
    }
    await delta.provider.shutdown();

    expect(await increase(kits[0]!, 'treatment')).toBe(5 + 7 + 3 + 4);
    expect(await increase(kits[0]!, 'control')).toBe(2 + 9 + 1);
  });

  it('loses nothing and counts nothing twice when Redis is killed with -9 during sustained ingest', async () => {
    const { kits, ports } = await collectors(2);
    const [a, b] = ports as [number, number];
    const deltaSender = sender(
      new JsonExporter({
        url: `http://127.0.0.1:${a}/v1/metrics`,
        temporalityPreference: AggregationTemporalityPreference.DELTA,
      }),
    );
    const cumulativeSender = sender(
      new ProtoExporter({
        url: `http://127.0.0.1:${b}/v1/metrics`,
        temporalityPreference: AggregationTemporalityPreference.CUMULATIVE,
      }),
    );
    let recorded = 0;
    const ticker = setInterval(() => {
      deltaSender.counter.add(1, ON);
      cumulativeSender.counter.add(1, OFF);
      recorded++;
    }, 10);
    // Each sender exports every 100 ms, one export at a time; an export answered 503 is retried by the
    // exporter itself (Retry-After honoured) before the next one starts.
    let running = true;
    const exportLoop = async (s: ReturnType<typeof sender>) => {
      while (running) {
        await s.reader.forceFlush().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const loops = [exportLoop(deltaSender), exportLoop(cumulativeSender)];

    await new Promise((resolve) => setTimeout(resolve, 1000));
    await server.kill9();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await server.restart();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    clearInterval(ticker);
    running = false;
    await Promise.all(loops);
    // Shutdown flushes what is left, retrying until the collectors store it.
    await Promise.all([deltaSender.provider.shutdown(), cumulativeSender.provider.shutdown()]);

    const unavailable = async (kit: IngestApp) =>
      (await kit.metrics.getSingleMetricAsString('rollout_guard_ingest_request_duration_seconds')).match(
        /_count\{protocol="otlp",status="503"\} (\d+)/,
      )?.[1] ?? 0;
    expect(Number(await unavailable(kits[0]!)) + Number(await unavailable(kits[1]!))).toBeGreaterThan(0);
    expect(recorded).toBeGreaterThan(100);
    expect(await increase(kits[0]!, 'treatment')).toBe(recorded);
    expect(await increase(kits[0]!, 'control')).toBe(recorded);
  });
});
