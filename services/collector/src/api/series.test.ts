import { bucketKey, bucketStarts, FIELD, operate } from '@rollout-guard/shared/store';
import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiTestApp, type Loose, specYaml, startApiApp } from './api-test-kit.ts';

describe('the series API', () => {
  let redis: TestRedis;
  let api: ApiTestApp;
  const start = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;

  /** A counter increase stored the way the ingest script stores it: in the bucket of every resolution. */
  async function addCounter(metric: string, cohort: 'treatment' | 'control', at: number, increase: number) {
    for (const { resolution, startMs } of bucketStarts(at)) {
      await api.redis.hincrbyfloat(
        bucketKey('ser', resolution.name, metric, cohort, startMs),
        FIELD.counterIncrease,
        increase,
      );
    }
  }

  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    api = await startApiApp(redis.url);
    await api.call('PUT', '/api/v1/rollouts/ser', { body: specYaml('ser'), type: 'application/yaml' });
    await operate(api.deps.store, 'ser', 'start', 'operator', undefined, start);
    // Each minute: 1000 requests, 20 errors (2%) in the first five minutes, 50 (5%) afterwards.
    for (let minute = 0; minute < 10; minute++) {
      const at = start + minute * 60_000 + 1000;
      await addCounter('requests_total', 'treatment', at, 1000);
      await addCounter('errors_total', 'treatment', at, minute < 5 ? 20 : 50);
    }
  });
  afterAll(async () => {
    await api.close();
    await redis.stop();
  });

  it('gives the check’s value and interval per step, cumulative over the wave as the evaluator judges it', async () => {
    const res = await api.call(
      'GET',
      `/api/v1/rollouts/ser/series?check=error-rate&from=${start}&to=${start + 600_000}&step=5m`,
      { token: 'reader' },
    );
    expect(res.status).toBe(200);
    const body: Loose = await res.json();
    expect(body).toMatchObject({
      name: 'ser',
      check: 'error-rate',
      compare: 'absolute',
      window: 'wave',
      step: 300_000,
    });
    expect(
      body.points.map((p: Loose) => [p.t, p.cohorts.treatment.samples, p.cohorts.treatment.value]),
    ).toEqual([
      [start + 300_000, 5000, 0.02],
      [start + 600_000, 10_000, 0.035],
    ]);
    const [lower, upper] = body.points[1].cohorts.treatment.interval;
    expect(lower).toBeLessThan(0.035);
    expect(upper).toBeGreaterThan(0.035);
  });

  it('clamps a range to what is stored, however far it reaches', async () => {
    const before = Date.now();
    const res = await api.call(
      'GET',
      '/api/v1/rollouts/ser/series?check=error-rate&from=0&to=1000000000000000000',
      {
        token: 'reader',
      },
    );
    expect(res.status).toBe(200);
    const body: Loose = await res.json();
    expect(body.to).toBeLessThanOrEqual(Date.now() + 10 * 60_000);
    expect(body.from).toBeGreaterThanOrEqual(before - 9 * 86_400_000);
    expect(body.points.length).toBeGreaterThan(0);
    expect(body.points.length).toBeLessThanOrEqual(500);
    const future = await api.call(
      'GET',
      `/api/v1/rollouts/ser/series?check=error-rate&from=${1e15}&to=${1e18}`,
      { token: 'reader' },
    );
    expect(future.status).toBe(200);
    expect(((await future.json()) as Loose).points).toEqual([]);
  });

  it('refuses an unknown check, a bad time or step, and too many points', async () => {
    const get = (query: string) =>
      api.call('GET', `/api/v1/rollouts/ser/series?${query}`, { token: 'reader' });
    const unknown = await get('check=nope');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as Loose).message).toContain('expected one of error-rate, latency');
    expect((await get('check=error-rate&from=yesterday')).status).toBe(400);
    expect((await get('check=error-rate&step=fast')).status).toBe(400);
    expect((await get(`check=error-rate&from=${start - 86_400_000}&to=${start}&step=10s`)).status).toBe(400);
    expect(
      (await api.call('GET', '/api/v1/rollouts/ser/series?check=error-rate', { token: null })).status,
    ).toBe(401);
  });
});
