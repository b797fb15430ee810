import { beforeEach, describe, expect, it } from 'vitest';
import { AuditPage } from './api-schemas.ts';
import { type ApiTestApp, specYaml, useApiSuite } from './api-test-kit.ts';

describe('the audit log routes', () => {
  const suite = useApiSuite();
  let api: ApiTestApp;
  beforeEach(async () => {
    api = suite.api;
    await api.redis.flushall();
    for (const name of ['north', 'south']) {
      await api.call('PUT', `/api/v1/rollouts/${name}`, { body: specYaml(name), type: 'application/yaml' });
    }
  });

  const act = (name: string, action: string, reason?: string) =>
    api.call('POST', `/api/v1/rollouts/${name}/${action}`, {
      token: 'operator',
      ...(reason === undefined ? {} : { body: JSON.stringify({ reason }), type: 'application/json' }),
    });
  const page = async (path: string, token: 'reader' | 'ingester' | null = 'reader') => {
    const res = await api.call('GET', path, { token });
    return {
      status: res.status,
      body: (await res.json()) as AuditPage & { code?: string; message?: string },
    };
  };

  it('lists every rollout’s actions with who, why, when, the spec version and what they caused', async () => {
    await act('north', 'start', 'go time');
    await act('south', 'approve', 'too soon');
    await act('north', 'rollback', 'tickets piling up');
    const { status, body } = await page('/api/v1/audit');
    expect(status).toBe(200);
    expect(AuditPage.parse(body)).toEqual(body);
    expect(body.entries.map((e) => [e.rollout, e.kind, e.action, e.actor, e.reason])).toEqual([
      ['north', 'transition', 'rollback', 'operator', 'tickets piling up'],
      ['south', 'refused', 'approve', 'operator', 'too soon'],
      ['north', 'transition', 'start', 'operator', 'go time'],
      ['south', 'created', 'spec-stored', 'admin', null],
      ['north', 'created', 'spec-stored', 'admin', null],
    ]);
    const rollback = body.entries[0]!;
    expect(rollback).toMatchObject({
      specVersion: 1,
      from: { phase: 'wave', wave: 1 },
      to: { phase: 'rolled-back' },
    });
    expect(new Date(rollback.time).getTime()).toBe(rollback.at);
    expect(rollback.decisions).toHaveLength(1);
    expect(rollback.deliveries).toEqual([`${rollback.decisions[0]}.rollback.0`]);
    const decision = await api.call('GET', `/api/v1/rollouts/north/decisions/${rollback.decisions[0]}`, {
      token: 'reader',
    });
    expect(decision.status).toBe(200);
    expect(body.latest).toBe(rollback.id);
  });

  it('serves one rollout’s part, filtered by kind and actor, page by page', async () => {
    await act('north', 'start');
    await act('north', 'approve');
    await act('north', 'pause', 'lunch');
    await act('south', 'start');
    const north = await page('/api/v1/rollouts/north/audit?limit=2');
    expect(north.body.entries.map((e) => e.action)).toEqual(['pause', 'approve']);
    const rest = await page(`/api/v1/rollouts/north/audit?limit=2&cursor=${north.body.next}`);
    expect(rest.body.entries.map((e) => e.action)).toEqual(['start', 'spec-stored']);
    const end = await page(`/api/v1/rollouts/north/audit?limit=2&cursor=${rest.body.next}`);
    expect(end.body).toMatchObject({ entries: [], next: null });

    const refused = await page('/api/v1/audit?kind=refused,created');
    expect(refused.body.entries.map((e) => `${e.rollout} ${e.kind}`)).toEqual([
      'north refused',
      'south created',
      'north created',
    ]);
    const byOperator = await page('/api/v1/rollouts/north/audit?actor=operator&order=asc');
    expect(byOperator.body.entries.map((e) => e.action)).toEqual(['start', 'approve', 'pause']);
    const following = await page(`/api/v1/audit?order=asc&cursor=${byOperator.body.latest}`);
    expect(following.body.entries.map((e) => `${e.rollout} ${e.action}`)).toEqual(['south start']);
  });

  it('keeps a deleted rollout’s log, and says so for a name that never had one', async () => {
    await act('north', 'start', 'go');
    const keys = await api.redis.keys('rg:{north}:*');
    await api.redis.del(...keys);
    await api.redis.srem('rg:rollouts', 'north');
    expect((await api.call('GET', '/api/v1/rollouts/north', { token: 'reader' })).status).toBe(404);
    const north = await page('/api/v1/rollouts/north/audit');
    expect(north.status).toBe(200);
    expect(north.body.entries.map((e) => e.action)).toEqual(['start', 'spec-stored']);
    expect((await page('/api/v1/audit')).body.entries.filter((e) => e.rollout === 'north')).toHaveLength(2);
    const unknown = await page('/api/v1/rollouts/nobody/audit');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/nobody.*no audit log/);
  });

  it('refuses a bad query with what would be right, and needs the read scope', async () => {
    expect((await page('/api/v1/audit?cursor=yesterday')).body).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/cursor="yesterday".*`next`/),
    });
    expect((await page('/api/v1/audit?limit=0')).status).toBe(400);
    expect((await page('/api/v1/audit?order=up')).status).toBe(400);
    expect((await page('/api/v1/audit', null)).status).toBe(401);
    expect((await page('/api/v1/rollouts/north/audit', 'ingester')).status).toBe(403);
  });
});
