import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ApiTestApp, type Loose, specYaml, startApiApp } from './api-test-kit.ts';

describe('operator actions', () => {
  let redis: TestRedis;
  let api: ApiTestApp;
  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    api = await startApiApp(redis.url);
  });
  beforeEach(async () => {
    await api.redis.flushall();
    await api.call('PUT', '/api/v1/rollouts/act', { body: specYaml('act'), type: 'application/yaml' });
  });
  afterAll(async () => {
    await api.close();
    await redis.stop();
  });

  const act = (action: string, body?: string, token: 'operator' | 'reader' | null = 'operator') =>
    api.call('POST', `/api/v1/rollouts/act/${action}`, {
      token,
      ...(body === undefined ? {} : { body, type: 'application/json' }),
    });

  it('starts, pauses and resumes with the token name as actor and the reason in the audit log', async () => {
    const started = await act('start', JSON.stringify({ reason: 'go time' }));
    expect(started.status).toBe(200);
    expect(await started.json()).toMatchObject({
      name: 'act',
      action: 'start',
      actor: 'operator',
      phase: 'wave',
      wave: 1,
      decisions: expect.arrayContaining([expect.objectContaining({ kind: 'advance' })]),
    });
    const paused = await act('pause');
    expect(((await paused.json()) as Loose).phase).toBe('paused');
    expect(((await (await act('resume')).json()) as Loose).phase).toBe('wave');

    const audit = await api.deps.store.readAudit('act');
    const start = audit.find((e) => e.event.type === 'start');
    expect(start).toMatchObject({ actor: 'operator', event: { reason: 'go time' } });

    const evaluations = await api.redis.keys('{rollout-guard}:evaluate:*');
    expect(evaluations.length).toBeGreaterThan(0);
  });

  it('answers 409 with the reason for an action the phase does not allow, and records the refusal', async () => {
    const res = await act('approve');
    expect(res.status).toBe(409);
    const body: Loose = await res.json();
    expect(body).toMatchObject({ code: 'CONFLICT', requestId: expect.any(String) });
    expect(body.message).toContain('Cannot approve rollout "act" (it is pending)');
    expect((await act('resume')).status).toBe(409);
    const audit = await api.deps.store.readAudit('act');
    expect(audit.at(-1)).toMatchObject({ kind: 'refused', actor: 'operator' });
  });

  it('aborts and rolls back; then nothing more may happen', async () => {
    await act('start');
    const rolledBack = await act('rollback', JSON.stringify({ reason: 'support tickets spiking' }));
    expect(await rolledBack.json()).toMatchObject({
      phase: 'rolled-back',
      decisions: [expect.objectContaining({ kind: 'rollback', outcome: 'rollback' })],
    });
    expect((await act('abort')).status).toBe(409);
  });

  it('refuses a malformed body, an unknown rollout, a missing token and a token without operate', async () => {
    expect((await act('start', '{not json')).status).toBe(400);
    const extra = await act('start', JSON.stringify({ reason: 'x', force: true }));
    expect(extra.status).toBe(400);
    expect(((await extra.json()) as Loose).message).toContain('{"reason": "<text>"}');
    expect((await api.call('POST', '/api/v1/rollouts/nope/start', { token: 'operator' })).status).toBe(404);
    expect((await act('start', undefined, null)).status).toBe(401);
    expect((await act('start', undefined, 'reader')).status).toBe(403);
    expect((await api.deps.store.getState('act'))?.state.phase).toBe('pending');
  });
});
