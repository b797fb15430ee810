import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../observability/metrics.ts';
import { createRedis, type RedisClient } from '../redis/create-redis.ts';
import { closeRedis, waitUntilReady } from '../redis/ping.ts';
import { startRedis, type TestRedis } from '../testing/start-redis.ts';
import { healthRoutes } from './health-routes.ts';

describe('healthRoutes', () => {
  let redis: TestRedis;
  let client: RedisClient;
  let shuttingDown = false;
  const metrics = createMetricsRegistry({ service: 'collector', version: '0.1.0' });
  const routes = () =>
    healthRoutes({ redis: client, metrics, readinessTimeoutMs: 300, isShuttingDown: () => shuttingDown });

  beforeAll(async () => {
    redis = await startRedis();
    client = createRedis(redis.url, { role: 'producer' });
    await waitUntilReady(client);
  });
  afterAll(async () => {
    await closeRedis(client);
    await redis.stop();
  });

  it('/healthz answers 200 while the process runs', async () => {
    const response = await routes().request('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/metrics serves the Prometheus text format with build info', async () => {
    const response = await routes().request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(await response.text()).toContain('rollout_guard_build_info{version="0.1.0",service="collector"');
  });

  it('/readyz is 200 when Redis answers, and 503 with the reason, fast, when it is gone', async () => {
    const ready = await routes().request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { redis: { ok: true } } });

    await redis.kill9();
    const started = Date.now();
    const down = await routes().request('/readyz');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('1');
    expect(await down.json()).toMatchObject({
      status: 'unavailable',
      reason: expect.stringMatching(/^Redis/),
    });
    // Liveness does not depend on Redis: restarting the process would not bring Redis back.
    expect((await routes().request('/healthz')).status).toBe(200);

    await redis.restart();
    await expect.poll(async () => (await routes().request('/readyz')).status, { timeout: 5000 }).toBe(200);
  });

  it('/readyz is 503 once shutdown began, so load balancers drain the process', async () => {
    shuttingDown = true;
    try {
      const response = await routes().request('/readyz');
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: 'unavailable', reason: 'shutting down' });
    } finally {
      shuttingDown = false;
    }
  });
});
