import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiTestApp, type Loose, specYaml, startApiApp } from './api-test-kit.ts';

describe('the wave planner over HTTP', () => {
  let redis: TestRedis;
  let api: ApiTestApp;
  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    api = await startApiApp(redis.url);
    await api.call('PUT', '/api/v1/rollouts/planned', {
      body: specYaml('planned'),
      type: 'application/yaml',
    });
  });
  afterAll(async () => {
    await api.close();
    await redis.stop();
  });

  it('plans a spec in the body at the given traffic, with the expectations given per check', async () => {
    const res = await api.call('POST', '/api/v1/plan?traffic=2000&check=error-rate:value=0.02,breach=0.05', {
      token: 'reader',
      body: specYaml('draft'),
      type: 'application/yaml',
    });
    expect(res.status).toBe(200);
    const plan: Loose = await res.json();
    expect(plan).toMatchObject({ rollout: 'draft', traffic: 2000 });
    expect(plan.waves.map((w: Loose) => w.percent)).toEqual([25, 50, 100]);
    const errors = plan.waves[0].checks.find((c: Loose) => c.check === 'error-rate');
    expect(errors).toMatchObject({
      method: 'interval',
      assumptions: { value: { value: 0.02, source: 'given' }, breach: { value: 0.05, source: 'given' } },
      perMinute: { treatment: 500, reference: null },
    });
    expect(errors.breach.minutes).toBeGreaterThan(0);
  });

  it('plans the spec a rollout runs by, and its view links the plan', async () => {
    const view: Loose = await (await api.call('GET', '/api/v1/rollouts/planned', { token: 'reader' })).json();
    expect(view.planUrl).toBe('/api/v1/rollouts/planned/plan');
    const res = await api.call('GET', `${view.planUrl}?traffic=50`, { token: 'reader' });
    expect(res.status).toBe(200);
    const plan: Loose = await res.json();
    expect(plan.rollout).toBe('planned');
    // At 50 requests/min a breach of the 3% limit cannot be acted on within a 1h bake of wave 1.
    expect(plan.warnings.some((w: string) => w.startsWith('error-rate cannot act on a breach'))).toBe(true);
  });

  it('says what is wrong with the traffic, a check option, an unknown check or the spec', async () => {
    const message = async (path: string, body = specYaml('draft')) => {
      const res = await api.call('POST', path, { token: 'reader', body, type: 'application/yaml' });
      expect(res.status).toBe(400);
      return ((await res.json()) as { message: string }).message;
    };
    expect(await message('/api/v1/plan')).toContain('traffic is missing; add ?traffic=');
    expect(await message('/api/v1/plan?traffic=-5')).toContain('greater than 0');
    expect(await message('/api/v1/plan?traffic=100&check=error-rate:valu=1')).toContain(
      '"valu=1" is not KEY=NUMBER',
    );
    expect(await message('/api/v1/plan?traffic=100&check=nope:value=1')).toContain(
      'the spec has no check named "nope"',
    );
    expect(
      await message('/api/v1/plan?traffic=100', specYaml('draft').replace('max: 0.03', 'max: lots')),
    ).toContain('spec.guardrails[0].allowed.max');
    expect((await api.call('GET', '/api/v1/rollouts/none/plan?traffic=1', { token: 'reader' })).status).toBe(
      404,
    );
    expect((await api.call('GET', '/api/v1/rollouts/planned/plan?traffic=1', { token: null })).status).toBe(
      401,
    );
  });

  it('adds the planner’s warnings to validate when asked with ?traffic=', async () => {
    const plain: Loose = await (
      await api.call('POST', '/api/v1/validate', {
        token: 'reader',
        body: specYaml('v'),
        type: 'application/yaml',
      })
    ).json();
    expect(plain).not.toHaveProperty('planWarnings');
    const planned: Loose = await (
      await api.call('POST', '/api/v1/validate?traffic=50', {
        token: 'reader',
        body: specYaml('v'),
        type: 'application/yaml',
      })
    ).json();
    expect(planned.valid).toBe(true);
    expect(planned.planWarnings.length).toBeGreaterThan(0);
  });
});
