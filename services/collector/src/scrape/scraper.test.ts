import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEgress, defaultEgressPolicy } from '@rollout-guard/shared/egress';
import { createLogger } from '@rollout-guard/shared/observability';
import { createRedis, globalKeys, type RedisClient, waitUntilReady } from '@rollout-guard/shared/redis';
import { durationOf, type ScrapeTarget } from '@rollout-guard/shared/spec';
import { type ActiveRollout, readCohortStats } from '@rollout-guard/shared/store';
import { capturedLogger, startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { Counter, Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ActiveRollouts, watchActiveRollouts } from '../ingest/active-rollouts.ts';
import { IngestRuntime } from '../ingest/ingest-runtime.ts';
import { activeRollout } from '../ingest/ingest-test-kit.ts';
import { DEFAULT_LIMITS } from '../ingest/limits.ts';
import { type Scraper, type ScraperDeps, startScraper } from './scraper.ts';

// A real target: node:http serving a prom-client registry (0.0.4 text) and a hand-written
// OpenMetrics body, plus paths that fail in each way a scrape can.
const app = new Registry();
const requests = new Counter({
  name: 'checkout_requests_total',
  help: 'Requests by variant.',
  labelNames: ['feature_flag_result_variant', 'route'] as const,
  registers: [app],
});
const om = { on: 0, off: 0 };
const openMetricsBody = () =>
  [
    '# TYPE contacts counter',
    '# HELP contacts Contacts handled, with an "escaped" \\\\ help.',
    `contacts_total{feature_flag_result_variant="on"} ${om.on} # {trace_id="4bf92f"} 1 1700000000.1`,
    'contacts_created{feature_flag_result_variant="on"} 1700000000',
    `contacts_total{feature_flag_result_variant="off"} ${om.off}`,
    '# EOF',
    '',
  ].join('\n');

let failing = { status: 500, garbage: true };
const hits: Record<string, number> = {};
let target: Server;
let base = '';

let server: TestRedis;
let redis: RedisClient;
const logger = createLogger({ service: 'scrape-test', level: 'silent' });
// The targets listen on loopback, which the default policy refuses.
const egress = createEgress({ ...defaultEgressPolicy, allowLoopback: true });
afterAll(() => egress.close());
let running: Array<{ scraper: Scraper; active: ActiveRollouts }> = [];

beforeAll(async () => {
  target = createServer(async (req, res) => {
    const path = req.url ?? '';
    hits[path] = (hits[path] ?? 0) + 1;
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': app.contentType });
      res.end(await app.metrics());
    } else if (path === '/om') {
      res.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' });
      res.end(openMetricsBody());
    } else if (path === '/flaky') {
      res.writeHead(failing.status, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(failing.status === 200 ? await app.metrics() : 'internal error');
    } else if (path === '/garbage') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(failing.garbage ? '{"not": "metrics"}\n' : await app.metrics());
    } else if (path === '/slow') {
      setTimeout(() => res.end('checkout_requests_total 1\n'), 1000).unref();
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  server = await startRedis({ appendonly: false });
  redis = createRedis(server.url, { role: 'producer', commandTimeoutMs: 1000 });
  await waitUntilReady(redis);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
  target.closeAllConnections();
  await new Promise((resolve) => target.close(resolve));
});
beforeEach(async () => {
  await server.flushAll();
  requests.reset();
  om.on = 0;
  om.off = 0;
  failing = { status: 500, garbage: true };
  for (const key of Object.keys(hits)) delete hits[key];
});
afterEach(async () => {
  await Promise.all(running.map(({ scraper, active }) => scraper.stop().then(() => active.close())));
  running = [];
});

const INTERVAL_MS = 200;
const scrapeTarget = (path: string): ScrapeTarget => ({
  url: `${base}${path}`,
  interval: durationOf(INTERVAL_MS),
  timeout: durationOf(100),
  headers: {},
  format: 'auto',
});

async function publish(rollouts: ActiveRollout[]) {
  await redis.del(globalKeys.active);
  if (rollouts.length > 0)
    await redis.hset(globalKeys.active, Object.fromEntries(rollouts.map((r) => [r.name, JSON.stringify(r)])));
  await redis.publish(globalKeys.changes, 'test');
}

/** One collector replica: its own cache of rg:active and its own scraper, both on the shared Redis. */
async function replica(
  owner: string,
  configured: ScrapeTarget[] = [],
  random?: () => number,
  deps: Partial<ScraperDeps> = {},
) {
  const active = watchActiveRollouts({ redis, logger, pollMs: 100 });
  await active.refresh();
  const metrics = new Registry();
  const stored: string[] = [];
  const scraper = startScraper({
    egress,
    redis,
    logger,
    metrics,
    activeRollouts: active,
    runtime: new IngestRuntime(),
    configured,
    limits: DEFAULT_LIMITS,
    onStored: (names) => stored.push(...names),
    owner,
    syncMs: 50,
    ...(random === undefined ? {} : { random }),
    ...deps,
  });
  running.push({ scraper, active });
  return { scraper, metrics, stored, active };
}

async function value(metrics: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await metrics.getSingleMetric(name)?.get();
  const match = metric?.values.find((v) =>
    Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want),
  );
  return match?.value ?? 0;
}

/** Completed scrapes of a target by this replica (the duration histogram counts each once it ends). */
async function completed(metrics: Registry, path: string): Promise<number> {
  const metric = await metrics.getSingleMetric('rollout_guard_scrape_duration_seconds')?.get();
  const count = metric?.values.find(
    (v: { metricName?: string; labels: Record<string, unknown> }) =>
      v.metricName === 'rollout_guard_scrape_duration_seconds_count' && v.labels.target === `${base}${path}`,
  );
  return count?.value ?? 0;
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until `n` more scrapes of the path ended, so what the target shows now has been stored. */
async function scrapesPass(metrics: Registry, path: string, n = 2) {
  const start = await completed(metrics, path);
  await until(`${n} scrapes of ${path}`, async () => (await completed(metrics, path)) >= start + n);
}

const increase = async (metric: string, cohort: 'treatment' | 'control', rollout = 'copilot') => {
  const stats = await readCohortStats(redis, {
    rollout,
    metric,
    cohort,
    window: { kind: 'wave', waveEpoch: 1 },
  });
  return stats !== null && stats.kind === 'counter' ? stats.increase : undefined;
};

describe('the scraper', () => {
  it('waits out an interval longer than a timer can hold (30 d) instead of scraping in a tight loop', async () => {
    const days30 = {
      ...scrapeTarget('/metrics'),
      interval: durationOf(30 * 86_400_000),
      timeout: durationOf(100),
    };
    // Its slot is due now or in 30 days, past setTimeout's 2^31 ms: once at most, not every millisecond.
    await publish([activeRollout({ metrics: ['contacts_total'] })]);
    const { scraper } = await replica('a', [days30], () => 0);
    await until('the target planned', () => scraper.targets().length === 1);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(hits['/metrics'] ?? 0).toBeLessThanOrEqual(1);
  });

  it('stores the increases of a prom-client target over several intervals, across a counter reset', async () => {
    requests.inc({ feature_flag_result_variant: 'on', route: '/pay' }, 100);
    requests.inc({ feature_flag_result_variant: 'off', route: '/pay' }, 40);
    await publish([
      activeRollout({ metrics: ['checkout_requests_total'], scrape: [scrapeTarget('/metrics')] }),
    ]);
    const { metrics, stored } = await replica('a');
    await scrapesPass(metrics, '/metrics', 1); // the first scrape is the reference of each series

    requests.inc({ feature_flag_result_variant: 'on', route: '/pay' }, 30);
    requests.inc({ feature_flag_result_variant: 'off', route: '/pay' }, 5);
    await scrapesPass(metrics, '/metrics');
    requests.inc({ feature_flag_result_variant: 'on', route: '/pay' }, 7);
    await scrapesPass(metrics, '/metrics');
    requests.reset(); // the target restarted
    requests.inc({ feature_flag_result_variant: 'on', route: '/pay' }, 3);
    requests.inc({ feature_flag_result_variant: 'off', route: '/pay' }, 2);
    await scrapesPass(metrics, '/metrics');

    expect(await increase('checkout_requests_total', 'treatment')).toBe(30 + 7 + 3);
    expect(await increase('checkout_requests_total', 'control')).toBe(5 + 2);
    expect(stored).toContain('copilot');
    expect(await value(metrics, 'rollout_guard_scrape_up', { target: `${base}/metrics` })).toBe(1);
    expect(await value(metrics, 'rollout_guard_scrape_points_total', { outcome: 'stored' })).toBeGreaterThan(
      0,
    );
  });

  it('parses a hand-written OpenMetrics body by its Content-Type (exemplars and _created skipped)', async () => {
    om.on = 10;
    om.off = 4;
    await publish([activeRollout({ metrics: ['contacts_total'] })]);
    const { metrics } = await replica('a', [scrapeTarget('/om')]);
    await scrapesPass(metrics, '/om', 1);
    om.on = 25;
    om.off = 9;
    await scrapesPass(metrics, '/om');
    expect(await increase('contacts_total', 'treatment')).toBe(15);
    expect(await increase('contacts_total', 'control')).toBe(5);
    expect(await value(metrics, 'rollout_guard_scrape_errors_total', {})).toBe(0);
  });

  it("refuses a target's series past the cardinality cap, counted per rollout and logged once a minute", async () => {
    requests.inc({ feature_flag_result_variant: 'on', route: '/pay' }, 1);
    requests.inc({ feature_flag_result_variant: 'off', route: '/pay' }, 1);
    await publish([
      activeRollout({ metrics: ['checkout_requests_total'], scrape: [scrapeTarget('/metrics')] }),
    ]);
    const { logger: capturing, lines } = capturedLogger('scrape-test');
    const { metrics, scraper } = await replica('a', [], undefined, {
      limits: { ...DEFAULT_LIMITS, maxActiveSeriesPerRollout: 1 },
      logger: capturing,
    });
    await scrapesPass(metrics, '/metrics', 3);
    // Stopped (its scrape under way finished), so the counts are read between scrapes, not across one.
    await scraper.stop();
    // Each scrape refuses one of the two series; the first refusal is logged, the next ones wait a minute.
    const refused = await value(metrics, 'rollout_guard_ingest_cardinality_refused_total', {
      rollout: 'copilot',
    });
    expect(refused).toBeGreaterThanOrEqual(3);
    expect(await value(metrics, 'rollout_guard_scrape_points_total', { outcome: 'rejected' })).toBe(refused);
    expect(lines.filter((line) => line.msg.includes('point(s) of new series'))).toMatchObject([
      { rollout: 'copilot', refused: 1 },
    ]);
  });

  it('counts a 500, a timeout and garbage by reason and keeps scraping every target', async () => {
    requests.inc({ feature_flag_result_variant: 'on', route: '/pay' }, 1);
    await publish([
      activeRollout({
        metrics: ['checkout_requests_total'],
        scrape: [
          scrapeTarget('/flaky'),
          scrapeTarget('/slow'),
          scrapeTarget('/garbage'),
          scrapeTarget('/metrics'),
        ],
      }),
    ]);
    const { metrics } = await replica('a');
    const errors = (path: string, reason: string) =>
      value(metrics, 'rollout_guard_scrape_errors_total', { target: `${base}${path}`, reason });
    await until('two failures of each kind', async () => {
      const counts = await Promise.all([
        errors('/flaky', 'http'),
        errors('/slow', 'timeout'),
        errors('/garbage', 'parse'),
      ]);
      return counts.every((n) => n >= 2);
    });
    expect(await value(metrics, 'rollout_guard_scrape_up', { target: `${base}/flaky` })).toBe(0);

    // The good target was stored all along, and the failing ones recover without a restart.
    requests.inc({ feature_flag_result_variant: 'on', route: '/pay' }, 4);
    failing = { status: 200, garbage: false };
    await scrapesPass(metrics, '/metrics');
    await scrapesPass(metrics, '/flaky');
    await scrapesPass(metrics, '/garbage');
    expect(await value(metrics, 'rollout_guard_scrape_up', { target: `${base}/flaky` })).toBe(1);
    expect(await value(metrics, 'rollout_guard_scrape_up', { target: `${base}/garbage` })).toBe(1);
    // Three targets serve the same series: its increase is counted once, whoever scraped it last.
    expect(await increase('checkout_requests_total', 'treatment')).toBe(4);
  });

  it('two replicas on one Redis: one scrapes, nothing counts twice, the other takes over on stop', async () => {
    requests.inc({ feature_flag_result_variant: 'on', route: '/pay' }, 50);
    await publish([
      activeRollout({ metrics: ['checkout_requests_total'], scrape: [scrapeTarget('/metrics')] }),
    ]);
    const a = await replica('a');
    const b = await replica('b');
    await until('a first scrape', () => (hits['/metrics'] ?? 0) >= 1);
    const started = Date.now();
    const before = hits['/metrics'] ?? 0;
    for (let i = 0; i < 4; i++) {
      requests.inc({ feature_flag_result_variant: 'on', route: '/pay' }, 10);
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
    }
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 2));
    const slots = Math.ceil((Date.now() - started) / INTERVAL_MS);
    // One scrape per interval in all, not one per replica.
    expect((hits['/metrics'] ?? 0) - before).toBeLessThanOrEqual(slots + 1);
    const scrapesA = await value(a.metrics, 'rollout_guard_scrapes_total', {});
    const scrapesB = await value(b.metrics, 'rollout_guard_scrapes_total', {});
    expect(Math.min(scrapesA, scrapesB)).toBe(0);
    expect(await increase('checkout_requests_total', 'treatment')).toBe(40);

    const [holder, standby] = scrapesA > 0 ? [a, b] : [b, a];
    await holder.scraper.stop();
    requests.inc({ feature_flag_result_variant: 'on', route: '/pay' }, 6);
    await scrapesPass(standby.metrics, '/metrics');
    expect(await increase('checkout_requests_total', 'treatment')).toBe(46);
    expect(await value(standby.metrics, 'rollout_guard_scrape_targets', { role: 'owner' })).toBe(1);
  });

  it('follows the active rollouts: a target starts with its rollout and stops when it ends', async () => {
    await publish([]);
    const { scraper } = await replica('a');
    expect(scraper.targets()).toEqual([]);
    await publish([
      activeRollout({ metrics: ['checkout_requests_total'], scrape: [scrapeTarget('/metrics')] }),
    ]);
    await until('the target to be planned', () => scraper.targets().length === 1);
    await until('a scrape', () => (hits['/metrics'] ?? 0) >= 1);
    await publish([]);
    await until('the target to be dropped', () => scraper.targets().length === 0);
    const after = hits['/metrics'] ?? 0;
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 3));
    expect(hits['/metrics'] ?? 0).toBe(after);
    expect(await redis.keys(globalKeys.scrapeLease('*'))).toEqual([]);
  });

  it('a scrape while Redis is away is counted as store and the loop goes on', async () => {
    await publish([
      activeRollout({ metrics: ['checkout_requests_total'], scrape: [scrapeTarget('/metrics')] }),
    ]);
    const { metrics } = await replica('a');
    await scrapesPass(metrics, '/metrics', 1);
    await server.kill9();
    try {
      await until(
        'a store failure',
        async () => (await value(metrics, 'rollout_guard_scrape_errors_total', { reason: 'store' })) >= 2,
      );
    } finally {
      await server.restart();
      await waitUntilReady(redis);
    }
    // Its data went with it (no AOF here): the rollout store would write rg:active again.
    await publish([
      activeRollout({ metrics: ['checkout_requests_total'], scrape: [scrapeTarget('/metrics')] }),
    ]);
    requests.inc({ feature_flag_result_variant: 'on', route: '/pay' }, 1);
    await until(
      'scraping again',
      async () => (await value(metrics, 'rollout_guard_scrape_up', { target: `${base}/metrics` })) === 1,
    );
  });
});
