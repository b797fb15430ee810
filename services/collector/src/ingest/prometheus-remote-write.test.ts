import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cohort, readBucketVector, toCohortStats } from '@rollout-guard/shared/store';
import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeRollout, type IngestApp, startIngestApp } from './ingest-test-kit.ts';

// Debian's prometheus (CI installs it with apt when absent) scrapes a target this test serves and
// remote-writes to the collector: what the collector stores must equal the target's counters.

const PROMETHEUS = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
const BOUNDS = [0.1, 1];

/** The scrape target: counters per cohort and a classic histogram, changed by the test. */
class Target {
  contacts = { on: 0, off: 0 };
  histogram = { buckets: [0, 0, 0], sum: 0 };
  scrapes = 0;
  server: Server = createServer((_req, res) => {
    this.scrapes++;
    const [le01, le1, inf] = this.histogram.buckets;
    const count = le01! + le1! + inf!;
    const lines = [
      '# HELP contacts_total Contacts handled.',
      '# TYPE contacts_total counter',
      `contacts_total{feature_flag_result_variant="on"} ${this.contacts.on}`,
      `contacts_total{feature_flag_result_variant="off"} ${this.contacts.off}`,
      '# HELP handle_seconds Time to handle a contact.',
      '# TYPE handle_seconds histogram',
      `handle_seconds_bucket{feature_flag_result_variant="on",le="0.1"} ${le01}`,
      `handle_seconds_bucket{feature_flag_result_variant="on",le="1"} ${le01! + le1!}`,
      `handle_seconds_bucket{feature_flag_result_variant="on",le="+Inf"} ${count}`,
      `handle_seconds_sum{feature_flag_result_variant="on"} ${this.histogram.sum}`,
      `handle_seconds_count{feature_flag_result_variant="on"} ${count}`,
      '',
    ];
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(lines.join('\n'));
  });

  observe(value: number) {
    const i = BOUNDS.findIndex((b) => value <= b);
    this.histogram.buckets[i === -1 ? BOUNDS.length : i]!++;
    this.histogram.sum += value;
  }
}

let redis: TestRedis;
let kit: IngestApp;
let prometheus: ChildProcess | undefined;
let dir: string;
const target = new Target();

beforeAll(async () => {
  if (!existsSync(PROMETHEUS)) {
    throw new Error(`${PROMETHEUS} is missing: install Debian's prometheus (apt-get install -y prometheus)`);
  }
  redis = await startRedis();
  kit = await startIngestApp(redis.url, [activeRollout({ metrics: ['contacts_total', 'handle_seconds'] })]);
  const collector = await kit.listen();
  await new Promise<void>((resolve) => target.server.listen(0, '127.0.0.1', resolve));
  const targetPort = (target.server.address() as AddressInfo).port;
  dir = mkdtempSync(join(tmpdir(), 'rollout-guard-prometheus-'));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, scrape_timeout: 900ms }',
      'scrape_configs:',
      `  - { job_name: target, static_configs: [ { targets: ["127.0.0.1:${targetPort}"] } ] }`,
      'remote_write:',
      `  - url: http://127.0.0.1:${collector.port}/api/v1/write`,
      // Small batches over several shards, as a busy Prometheus sends: one histogram's _bucket, _sum
      // and _count series reach the collector in different requests.
      '    queue_config: { batch_send_deadline: 500ms, min_backoff: 50ms, max_backoff: 500ms, min_shards: 3, max_shards: 3, max_samples_per_send: 2 }',
      '    metadata_config: { send: true, send_interval: 1s }',
      '',
    ].join('\n'),
  );
  prometheus = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      // Port 0: the web UI is not used, any free port will do.
      '--web.listen-address=127.0.0.1:0',
    ],
    { stdio: 'ignore' },
  );
}, 60_000);

afterAll(async () => {
  if (prometheus?.exitCode === null) {
    const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
    prometheus.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (prometheus.exitCode === null) prometheus.kill('SIGKILL');
  }
  await new Promise<void>((resolve) => target.server.close(() => resolve()));
  await kit?.close();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const stored = async (metric: string, cohort: Cohort) =>
  readBucketVector(kit.deps.redis, {
    rollout: 'copilot',
    metric,
    cohort,
    window: { kind: 'wave', waveEpoch: 1 },
  });

describe("Debian's prometheus remote-writing to the collector", () => {
  it('stores increases equal to the scraped counters and histogram', { timeout: 60_000 }, async () => {
    // The first sample of a series without a start time is only the reference (as Prometheus'
    // own increase() treats it): the target starts counting once it has been scraped.
    await expect.poll(() => target.scrapes, { timeout: 20_000, interval: 100 }).toBeGreaterThan(0);
    const values = [0.05, 0.5, 3, 0.07, 0.9];
    for (let step = 0; step < 30; step++) {
      target.contacts.on += 3;
      target.contacts.off += 1;
      target.observe(values[step % values.length]!);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const scrapesAtEnd = target.scrapes;
    await expect.poll(() => target.scrapes, { timeout: 10_000 }).toBeGreaterThan(scrapesAtEnd + 1);

    await expect
      .poll(async () => (await stored('contacts_total', 'treatment')).counterIncrease, {
        timeout: 20_000,
        interval: 250,
      })
      .toBe(target.contacts.on);
    await expect
      .poll(async () => (await stored('contacts_total', 'control')).counterIncrease, {
        timeout: 10_000,
        interval: 250,
      })
      .toBe(target.contacts.off);
    await expect
      .poll(async () => (await stored('handle_seconds', 'treatment')).count, {
        timeout: 10_000,
        interval: 250,
      })
      .toBe(30);
    const [b01, b1, bInf] = target.histogram.buckets as [number, number, number];
    await expect
      .poll(
        async () => [...(await stored('handle_seconds', 'treatment')).cumulative].sort(([a], [b]) => a - b),
        {
          timeout: 10_000,
          interval: 250,
        },
      )
      .toEqual([
        [0.1, b01],
        [1, b01 + b1],
        [Number.POSITIVE_INFINITY, b01 + b1 + bInf],
      ]);
    const histogram = await stored('handle_seconds', 'treatment');
    expect(histogram.sum).toBeCloseTo(target.histogram.sum, 9);
    expect(toCohortStats(histogram)).toMatchObject({
      kind: 'histogram',
      bounds: [0.1, 1],
      counts: [b01, b1, bInf],
      count: 30,
    });
  });
});
