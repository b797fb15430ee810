import { createLogger, createMetricsRegistry } from '@rollout-guard/shared/observability';
import { closeRedis, createRedis, type RedisClient, waitUntilReady } from '@rollout-guard/shared/redis';
import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { loadEnv } from './env.ts';

describe('createApp', () => {
  let redis: TestRedis;
  let client: RedisClient;

  beforeAll(async () => {
    redis = await startRedis();
    client = createRedis(redis.url, { role: 'producer' });
    await waitUntilReady(client);
  });
  afterAll(async () => {
    await closeRedis(client);
    await redis.stop();
  });

  const app = () =>
    createApp({
      env: loadEnv({ REDIS_URL: redis.url }),
      logger: createLogger({ service: 'collector', level: 'silent' }),
      redis: client,
      metrics: createMetricsRegistry({ service: 'rollout-guard-collector', version: '0.1.0' }),
      isShuttingDown: () => false,
    });

  it('with no tokens, refuses DNS-rebound Host names and cross-site state changes with a clear 403', async () => {
    const open = createApp({
      env: loadEnv({ REDIS_URL: redis.url }),
      logger: createLogger({ service: 'collector', level: 'silent' }),
      redis: client,
      metrics: createMetricsRegistry({ service: 'rollout-guard-collector', version: '0.1.0' }),
      isShuttingDown: () => false,
      openMode: { loopbackHostOnly: true },
    });
    open.post('/api/v1/rollouts/x/rollback', (c) => c.json({ ok: true }));
    const call = (method: string, headers: Record<string, string>) =>
      open.request('/api/v1/rollouts/x/rollback', {
        method,
        headers: { host: '127.0.0.1:4318', ...headers },
      });
    expect((await call('POST', {})).status).toBe(200);
    const rebound = await open.request('/healthz', { headers: { host: 'attacker.example:4318' } });
    expect(rebound.status).toBe(403);
    expect(((await rebound.json()) as { message: string }).message).toContain('is not a loopback name');
    const crossSite = await call('POST', { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(((await crossSite.json()) as { code: string }).code).toBe('FORBIDDEN');
    expect((await call('POST', { origin: 'https://evil.example' })).status).toBe(403);
    expect(
      (await call('POST', { origin: 'http://127.0.0.1:4318', 'sec-fetch-site': 'same-origin' })).status,
    ).toBe(200);
    // With tokens configured the API's own auth applies instead: no open-mode guard.
    expect((await app().request('/healthz', { headers: { host: 'attacker.example' } })).status).toBe(200);
  });

  it('serves health, readiness and metrics', async () => {
    expect((await app().request('/healthz')).status).toBe(200);
    const ready = await app().request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
    expect(await (await app().request('/metrics')).text()).toContain(
      'rollout_guard_build_info{version="0.1.0",service="rollout-guard-collector"',
    );
  });

  it('tags every answer with a request id', async () => {
    const response = await app().request('/healthz');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown routes with the error shape', async () => {
    const response = await app().request('/v2/metrics', { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'NOT_FOUND', requestId: expect.any(String) });
  });
});
