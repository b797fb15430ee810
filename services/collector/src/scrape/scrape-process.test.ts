import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRedis, globalKeys, type RedisClient, waitUntilReady } from '@rollout-guard/shared/redis';
import { readCohortStats } from '@rollout-guard/shared/store';
import {
  freePort,
  jsonLine,
  type SpawnedProcess,
  spawnTs,
  startRedis,
  type TestRedis,
} from '@rollout-guard/shared/testing';
import { Counter, Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { activeRollout } from '../ingest/ingest-test-kit.ts';

// The real collector process with a SCRAPE_CONFIG file: it refuses a bad one, scrapes a good one.
const main = fileURLToPath(new URL('../main.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'scrape-process-'));

const app = new Registry();
const requests = new Counter({
  name: 'checkout_requests_total',
  help: 'Requests by variant.',
  labelNames: ['feature_flag_result_variant'] as const,
  registers: [app],
});
let hits = 0;
let target: Server;
let targetUrl = '';
let redisServer: TestRedis;
let redis: RedisClient;
const processes: SpawnedProcess[] = [];

beforeAll(async () => {
  target = createServer(async (_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': app.contentType });
    res.end(await app.metrics());
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/metrics`;
  redisServer = await startRedis({ appendonly: false });
  redis = createRedis(redisServer.url, { role: 'producer', commandTimeoutMs: 1000 });
  await waitUntilReady(redis);
});
afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.kill()));
});
afterAll(async () => {
  redis?.disconnect();
  await redisServer?.stop();
  target.closeAllConnections();
  await new Promise((resolve) => target.close(resolve));
});

function start(env: Record<string, string>) {
  const { REDIS_URL: _ignored, SCRAPE_CONFIG: _too, ...inherited } = process.env;
  const collector = spawnTs({ args: [main], cwd: root, env: { ...inherited, LOG_LEVEL: 'info', ...env } });
  processes.push(collector);
  return collector;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('the collector process with SCRAPE_CONFIG', () => {
  it('refuses to start with a bad file, listing every problem', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'scrape:\n  - url: not-a-url\n  - url: http://a/metrics\n    interval: 5s\n    timeout: 6s\n',
    );
    const collector = start({
      PORT: String(await freePort()),
      REDIS_URL: redisServer.url,
      SCRAPE_CONFIG: file,
    });
    expect(await collector.exited).toBe(1);
    expect(collector.lines).toEqual([
      "The collector's environment has 2 problems:",
      expect.stringMatching(/^ {2}SCRAPE_CONFIG: .*bad\.yaml: scrape\[0\]\.url: expected the http\(s\) URL/),
      expect.stringMatching(
        /^ {2}SCRAPE_CONFIG: .*bad\.yaml: scrape\[1\]\.timeout: expected a timeout shorter/,
      ),
    ]);
  });

  it('scrapes the file targets into the rollouts that read them and stops cleanly on SIGTERM', async () => {
    requests.inc({ feature_flag_result_variant: 'on' }, 10);
    await redis.hset(
      globalKeys.active,
      'copilot',
      JSON.stringify(activeRollout({ metrics: ['checkout_requests_total'] })),
    );
    const file = join(dir, 'good.yaml');
    writeFileSync(file, `scrape:\n  - url: ${targetUrl}\n    interval: 200ms\n`);
    const port = await freePort();
    const collector = start({ PORT: String(port), REDIS_URL: redisServer.url, SCRAPE_CONFIG: file });
    await collector.waitForLine((line) => jsonLine(line)?.msg === 'collector listening');
    await until('two scrapes', () => hits >= 2);
    requests.inc({ feature_flag_result_variant: 'on' }, 5);
    const seen = hits;
    await until('two more scrapes', () => hits >= seen + 2);
    const stats = await readCohortStats(redis, {
      rollout: 'copilot',
      metric: 'checkout_requests_total',
      cohort: 'treatment',
      window: { kind: 'wave', waveEpoch: 1 },
    });
    expect(stats).toMatchObject({ kind: 'counter', increase: 5 });
    const selfMetrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(selfMetrics).toContain(`rollout_guard_scrape_up{target="${targetUrl}"} 1`);

    collector.child.kill('SIGTERM');
    expect(await collector.exited).toBe(0);
    // The lease is handed back, so another replica takes the target at once.
    expect(await redis.keys(globalKeys.scrapeLease('*'))).toEqual([]);
  });
});
