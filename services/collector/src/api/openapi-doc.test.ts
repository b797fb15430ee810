import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiTestApp, type Loose, startApiApp } from './api-test-kit.ts';

describe('the OpenAPI document', () => {
  let redis: TestRedis;
  let api: ApiTestApp;
  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    api = await startApiApp(redis.url);
  });
  afterAll(async () => {
    await api.close();
    await redis.stop();
  });

  it('is a valid OpenAPI 3.1 document, served without a token', async () => {
    const res = await api.call('GET', '/api/v1/openapi.json', { token: null });
    expect(res.status).toBe(200);
    const document: Loose = await res.json();
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes every API route the app serves', async () => {
    const document: Loose = await (await api.call('GET', '/api/v1/openapi.json', { token: null })).json();
    const documented = Object.entries(document.paths as Record<string, object>)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const served = api.app.routes
      .filter(
        (r) =>
          (r.path.startsWith('/api/v1/') || r.path === '/' || r.path.startsWith('/dashboard/')) &&
          r.method !== 'ALL',
      )
      .filter((r) => !['/api/v1/openapi.json', '/api/v1/docs'].includes(r.path))
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    expect([...new Set(served)].sort()).toEqual(documented);
    expect(documented).toEqual(
      expect.arrayContaining([
        'PUT /api/v1/rollouts/{name}',
        'GET /api/v1/rollouts',
        'GET /api/v1/rollouts/{name}',
        'GET /api/v1/rollouts/{name}/versions',
        'GET /api/v1/rollouts/{name}/versions/{version}',
        'GET /api/v1/rollouts/{name}/diff',
        'POST /api/v1/rollouts/{name}/start',
        'POST /api/v1/rollouts/{name}/pause',
        'POST /api/v1/rollouts/{name}/resume',
        'POST /api/v1/rollouts/{name}/approve',
        'POST /api/v1/rollouts/{name}/abort',
        'POST /api/v1/rollouts/{name}/rollback',
        'GET /api/v1/rollouts/{name}/decisions',
        'GET /api/v1/rollouts/{name}/decisions/{id}',
        'GET /api/v1/rollouts/{name}/series',
        'GET /api/v1/deliveries',
        'POST /api/v1/deliveries/{id}/redeliver',
        'POST /api/v1/validate',
        'GET /',
        'GET /dashboard/{file}',
      ]),
    );
  });

  it('has a browsable reference page that needs nothing from the network', async () => {
    const res = await api.call('GET', '/api/v1/docs', { token: null });
    expect(res.headers.get('content-type')).toContain('text/html');
    const text = await res.text();
    expect(text).toContain('<code>/api/v1/rollouts/{name}/approve</code>');
    expect(text).toContain('id="schema-RolloutView"');
    expect(text).not.toMatch(/<script|https?:\/\/(?!127)/);
  });
});
