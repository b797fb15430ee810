import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiTestApp, type Loose, specYaml, startApiApp } from '../api/api-test-kit.ts';
import { DASHBOARD_ASSETS } from './register-dashboard.ts';

describe('the dashboard routes', () => {
  let redis: TestRedis;
  let api: ApiTestApp;
  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    api = await startApiApp(redis.url);
    const put = await api.call('PUT', '/api/v1/rollouts/secret-launch', {
      body: specYaml('secret-launch'),
      type: 'application/yaml',
    });
    expect(put.status).toBe(201);
  });
  afterAll(async () => {
    await api.close();
    await redis.stop();
  });

  it('serves the page without a token, with no rollout data in it and a strict content policy', async () => {
    const res = await api.call('GET', '/', { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const policy = res.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const text = await res.text();
    expect(text).toContain('<script type="module" src="/dashboard/dashboard.js"></script>');
    expect(text).toContain('href="/dashboard/uplot.css"');
    expect(text).not.toContain('secret-launch');
    // Nothing from another host: the machine running it may have no internet.
    expect(text).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('serves its bundled script and its stylesheets with their content types', async () => {
    const expected: Record<string, [string, string]> = {
      // The bundle of page/ with uPlot in it: no import left for the browser to resolve.
      'dashboard.js': ['text/javascript; charset=utf-8', 'rollout-guard.token'],
      'dashboard.css': ['text/css; charset=utf-8', '.timeline'],
      'uplot.css': ['text/css; charset=utf-8', '.uplot'],
    };
    expect(Object.keys(DASHBOARD_ASSETS).sort()).toEqual(Object.keys(expected).sort());
    for (const [file, [type, content]] of Object.entries(expected)) {
      const res = await api.call('GET', `/dashboard/${file}`, { token: null });
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type'), file).toBe(type);
      expect(await res.text(), file).toContain(content);
    }
  });

  it('answers 404 for any other file, not a file from elsewhere on disk', async () => {
    for (const path of [
      '/dashboard/nope.js',
      '/dashboard/..%2Fregister-dashboard.ts',
      '/dashboard/toString',
    ]) {
      const res = await api.call('GET', path, { token: null });
      expect(res.status, path).toBe(404);
      const body: Loose = await res.json();
      expect(body.code).toBe('NOT_FOUND');
    }
  });

  it('gives the data the page asks for only with a read token', async () => {
    expect((await api.call('GET', '/api/v1/rollouts', { token: null })).status).toBe(401);
    expect((await api.call('GET', '/api/v1/rollouts/secret-launch', { token: null })).status).toBe(401);
    expect((await api.call('GET', '/api/v1/rollouts', { token: 'ingester' })).status).toBe(403);
    const res = await api.call('GET', '/api/v1/rollouts', { token: 'reader' });
    expect(res.status).toBe(200);
    const body: Loose = await res.json();
    expect(body.rollouts.map((r: Loose) => r.name)).toEqual(['secret-launch']);
  });
});
