import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ApiTestApp, type Loose, specYaml, startApiApp } from './api-test-kit.ts';

describe('the rollouts API', () => {
  let redis: TestRedis;
  let api: ApiTestApp;
  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    api = await startApiApp(redis.url);
  });
  beforeEach(async () => {
    await api.redis.flushall();
  });
  afterAll(async () => {
    await api.close();
    await redis.stop();
  });

  const put = (
    name: string,
    body: string,
    type = 'application/yaml',
    token: 'admin' | 'reader' | null = 'admin',
  ) => api.call('PUT', `/api/v1/rollouts/${name}`, { body, type, token });

  it('stores a YAML spec as version 1, lists it and shows it with its checks', async () => {
    const created = await put('checkout', specYaml('checkout'));
    expect(created.status).toBe(201);
    expect((await created.json()) as Loose).toMatchObject({
      name: 'checkout',
      version: 1,
      created: true,
      phase: 'pending',
    });

    const list = await api.call('GET', '/api/v1/rollouts', { token: 'reader' });
    expect((await list.json()) as Loose).toEqual({
      rollouts: [
        expect.objectContaining({
          name: 'checkout',
          phase: 'pending',
          specVersion: 1,
          wave: { index: 0, percent: null, of: 3 },
        }),
      ],
    });

    const one: Loose = await (await api.call('GET', '/api/v1/rollouts/checkout', { token: 'reader' })).json();
    expect(one).toMatchObject({
      name: 'checkout',
      flag: 'checkout-flag',
      phase: 'pending',
      latestVersion: 1,
    });
    expect(one.checks).toEqual([
      expect.objectContaining({
        name: 'error-rate',
        role: 'guardrail',
        metric: 'errors_total / requests_total',
        allowed: { max: 0.03 },
        state: 'not-evaluated',
        value: null,
      }),
      expect.objectContaining({
        name: 'latency',
        role: 'criterion',
        allowed: { max: 2 },
        state: 'not-evaluated',
      }),
    ]);
  });

  it('takes JSON too, and answers an identical PUT as unchanged', async () => {
    const json = JSON.stringify({
      apiVersion: 'rollout-guard/v1',
      kind: 'Rollout',
      metadata: { name: 'j' },
      spec: {
        flag: 'j',
        guardrails: [{ name: 'e', metric: 'errors', aggregate: 'mean', allowed: { max: 1 } }],
      },
    });
    expect((await put('j', json, 'application/json')).status).toBe(201);
    const again = await put('j', json, 'application/json');
    expect(again.status).toBe(200);
    expect((await again.json()) as Loose).toMatchObject({ version: 1, unchanged: true });
  });

  it('refuses a bad spec with every problem and its path, and a name that differs from the URL', async () => {
    const bad = specYaml('bad').replace('max: 0.03', 'max: lots').replace('percent: 50', 'percent: 500');
    const res = await put('bad', bad);
    expect(res.status).toBe(400);
    const body: Loose = await res.json();
    expect(body).toMatchObject({ code: 'BAD_REQUEST', requestId: expect.any(String) });
    const paths = body.problems.map((p: Loose) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['spec.guardrails[0].allowed.max']));
    expect(body.problems.length).toBeGreaterThanOrEqual(2);
    expect(body.problems[0]).toHaveProperty('line');

    const renamed = await put('other', specYaml('bad'));
    expect(renamed.status).toBe(400);
    expect(((await renamed.json()) as Loose).problems).toEqual([
      { path: 'metadata.name', message: expect.stringContaining('differs from the name in the URL') },
    ]);
  });

  it('answers 415 for an unknown content type, 400 for an empty body, 413 over the size limit', async () => {
    expect((await put('x', specYaml('x'), 'text/csv')).status).toBe(415);
    expect((await put('x', '  ')).status).toBe(400);
    const huge = await put('x', `${specYaml('x')}\n#${'a'.repeat(70 * 1024)}`);
    expect(huge.status).toBe(413);
    expect((await huge.json()) as Loose).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('needs a token with admin to store a spec and read to list: 401 and 403 otherwise', async () => {
    const none = await put('x', specYaml('x'), 'application/yaml', null);
    expect(none.status).toBe(401);
    expect((await none.json()) as Loose).toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringContaining('Bearer'),
    });
    const wrong = await api.app.request('/api/v1/rollouts', {
      headers: { authorization: 'Bearer nope-nope-nope-nope' },
    });
    expect(wrong.status).toBe(401);
    const reader = await put('x', specYaml('x'), 'application/yaml', 'reader');
    expect(reader.status).toBe(403);
    expect(((await reader.json()) as Loose).message).toContain('needs admin');
    expect((await api.call('GET', '/api/v1/rollouts', { token: 'ingester' })).status).toBe(403);
  });

  it('answers 404 for an unknown rollout on every read route', async () => {
    for (const path of [
      '',
      '/versions',
      '/versions/1',
      '/diff?from=1&to=2',
      '/decisions',
      '/decisions/x',
      '/series?check=a',
    ]) {
      const res = await api.call('GET', `/api/v1/rollouts/nope${path}`, { token: 'reader' });
      expect(res.status, path).toBe(404);
      expect((await res.json()) as Loose).toMatchObject({
        code: 'NOT_FOUND',
        message: expect.stringContaining('PUT /api/v1/rollouts/nope'),
      });
    }
  });

  it('keeps every version, shows one with its text, and diffs two field by field and as a patch', async () => {
    await put('v', specYaml('v'));
    await put('v', specYaml('v', { max: 0.05 }));
    const versions: Loose = await (
      await api.call('GET', '/api/v1/rollouts/v/versions', { token: 'reader' })
    ).json();
    expect(versions.versions.map((v: Loose) => [v.version, v.actor, v.current])).toEqual([
      [1, 'admin', false],
      [2, 'admin', true],
    ]);
    const v1: Loose = await (
      await api.call('GET', '/api/v1/rollouts/v/versions/1', { token: 'reader' })
    ).json();
    expect(v1.source).toBe(specYaml('v'));
    expect((await api.call('GET', '/api/v1/rollouts/v/versions/9', { token: 'reader' })).status).toBe(404);
    expect((await api.call('GET', '/api/v1/rollouts/v/versions/abc', { token: 'reader' })).status).toBe(400);

    const diff: Loose = await (
      await api.call('GET', '/api/v1/rollouts/v/diff?from=1&to=2', { token: 'reader' })
    ).json();
    expect(diff.changes).toEqual([
      { path: 'spec.guardrails[0].allowed.max', kind: 'changed', before: 0.03, after: 0.05 },
    ]);
    expect(diff.patch).toContain('-      allowed: { max: 0.03 }');
    expect(diff.patch).toContain('+      allowed: { max: 0.05 }');
    expect((await api.call('GET', '/api/v1/rollouts/v/diff?from=1', { token: 'reader' })).status).toBe(400);
  });

  it('omits the text patch of versions that differ in more lines than a diff may take, saying why', async () => {
    const labelled = (value: string) =>
      specYaml('big').replace(
        'metadata:\n  name: big\n',
        `metadata:\n  name: big\n  labels:\n${Array.from({ length: 1500 }, (_, i) => `    l${i}: ${value}\n`).join('')}`,
      );
    expect((await put('big', labelled('a'))).status).toBe(201);
    expect((await put('big', labelled('b'))).status).toBe(200);
    const diff: Loose = await (
      await api.call('GET', '/api/v1/rollouts/big/diff?from=1&to=2', { token: 'reader' })
    ).json();
    expect(diff.changes).toHaveLength(1500);
    expect(diff.patch).toBe('');
    expect(diff.patchOmitted).toContain('more than 2000 lines (DIFF_MAX_CHANGED_LINES)');
  });

  it('lets a running rollout change thresholds and bakes (audited), and refuses waves, cohorts and metrics with reasons', async () => {
    await put('run', specYaml('run'));
    expect((await api.call('POST', '/api/v1/rollouts/run/start', { token: 'operator' })).status).toBe(200);
    const started = await api.deps.store.getState('run');
    expect(started?.state.phase).toBe('wave');

    const threshold = await put('run', specYaml('run', { max: 0.05, bake: '2h' }));
    expect(threshold.status).toBe(200);
    expect((await threshold.json()) as Loose).toMatchObject({
      version: 2,
      specVersion: 2,
      appliedToRunning: true,
      changed: expect.arrayContaining(['spec.guardrails[0].allowed', 'spec.waves[0].bake']),
    });
    const state = await api.deps.store.getState('run');
    expect(state?.state.specVersion).toBe(2);
    expect(state?.state.deadline).toBe((started?.state.deadline ?? 0) + 3_600_000);
    const audit = await api.deps.store.readAudit('run');
    expect(audit.at(-1)).toMatchObject({
      kind: 'spec',
      actor: 'admin',
      specVersion: 2,
      summary: expect.stringContaining('spec.guardrails[0].allowed'),
    });

    const refused = await put(
      'run',
      specYaml('run', { max: 0.05, bake: '2h', percents: [10, 50, 100], cohortAttribute: 'variant' }),
    );
    expect(refused.status).toBe(409);
    const body: Loose = await refused.json();
    expect(body.code).toBe('CONFLICT');
    expect(body.problems.map((p: Loose) => p.path)).toEqual(
      expect.arrayContaining(['spec.cohorts', 'spec.waves[0].percent']),
    );
    expect(body.problems[0].message).toMatch(/running|cannot change|fixed/);
    expect((await api.deps.store.getState('run'))?.state.specVersion).toBe(2);
  });

  it('validates without storing: problems for a bad spec, the resolved spec for a good one', async () => {
    const good = await api.call('POST', '/api/v1/validate', {
      token: 'reader',
      body: specYaml('val'),
      type: 'application/yaml',
    });
    expect((await good.json()) as Loose).toMatchObject({
      valid: true,
      problems: [],
      spec: { metadata: { name: 'val' } },
    });
    const bad = await api.call('POST', '/api/v1/validate', {
      token: 'reader',
      body: specYaml('val').replace('max: 0.03', 'max: lots'),
      type: 'application/yaml',
    });
    expect((await bad.json()) as Loose).toMatchObject({
      valid: false,
      problems: [expect.objectContaining({ path: 'spec.guardrails[0].allowed.max' })],
    });
    expect(await api.deps.store.listRollouts()).toEqual([]);
    const deep = await api.call('POST', '/api/v1/validate', {
      token: 'reader',
      body: `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
      type: 'application/json',
    });
    expect(deep.status).toBe(200);
    expect((await deep.json()) as Loose).toMatchObject({
      valid: false,
      problems: [{ path: '', message: expect.stringContaining('SPEC_MAX_DEPTH'), line: 1, column: 34 }],
    });
    expect(
      (await api.call('POST', '/api/v1/validate', { token: null, body: '{}', type: 'application/json' }))
        .status,
    ).toBe(401);
  });
});
