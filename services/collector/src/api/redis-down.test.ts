import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiTestApp, type Loose, specYaml, startApiApp } from './api-test-kit.ts';

describe('the API while Redis is away', () => {
  let redis: TestRedis;
  let api: ApiTestApp;

  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    api = await startApiApp(redis.url);
    expect(
      (await api.call('PUT', '/api/v1/rollouts/down', { body: specYaml('down'), type: 'application/yaml' }))
        .status,
    ).toBe(201);
    await redis.stop();
  });
  afterAll(async () => {
    await api.close();
  });

  it.each([
    ['GET', '/api/v1/rollouts'],
    ['GET', '/api/v1/rollouts/down'],
    ['GET', '/api/v1/rollouts/down/versions'],
    ['GET', '/api/v1/rollouts/down/versions/1'],
    ['GET', '/api/v1/rollouts/down/diff?from=1&to=1'],
    ['GET', '/api/v1/rollouts/down/decisions'],
    ['GET', '/api/v1/deliveries?rollout=down'],
    ['GET', '/api/v1/rollouts/down/decisions/dec_1'],
    ['GET', '/api/v1/rollouts/down/series?check=error-rate'],
    ['PUT', '/api/v1/rollouts/down'],
    ['POST', '/api/v1/rollouts/down/pause'],
    ['POST', '/api/v1/deliveries/del_1/redeliver'],
  ])('%s %s answers 503 with Retry-After, not 500', async (method, path) => {
    const res = await api.call(method, path, {
      ...(method === 'PUT' ? { body: specYaml('down', { max: 0.05 }), type: 'application/yaml' } : {}),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    const body: Loose = await res.json();
    expect(body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('Redis') });
  });
});
