import { operate } from '@rollout-guard/shared/store';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Loose, useApiApp } from './api-test-kit.ts';
import { breach, checkpoint, putRollout, startRollout, T0 } from './controller-test-kit.ts';
import { VerdictAnswer } from './verdict.ts';

describe('GET /api/v1/rollouts/{name}/verdict (Argo Rollouts web provider)', () => {
  const api = useApiApp();
  beforeEach(async () => {
    await api.redis.flushall();
    await putRollout(api, 'argo');
  });

  async function verdict(query = '', token: 'reader' | 'ingester' | null = 'reader') {
    const res = await api.call('GET', `/api/v1/rollouts/argo/verdict${query}`, { token });
    const body: Loose = await res.json();
    if (res.status === 200) VerdictAnswer.parse(body);
    return { status: res.status, body };
  }

  it('is pending before the start and while wave 1 bakes', async () => {
    expect((await verdict()).body).toMatchObject({
      verdict: 'pending',
      phase: 'pending',
      wave: { index: 1, percent: 25, of: 3 },
      currentWave: 0,
      decisionId: null,
    });
    await startRollout(api, 'argo');
    const baking = (await verdict()).body;
    expect(baking).toMatchObject({
      verdict: 'pending',
      phase: 'wave',
      currentWave: 1,
      checkpointAt: T0 + 3_600_000,
    });
    expect(baking.reason).toContain('wave 1 (25%) is baking until 2026-11-21T11:00:00.000Z');
    expect((await verdict('?wave=2')).body.reason).toContain('wave 2 (50%) has not begun');
  });

  it('says go after a go checkpoint, and keeps saying it for that wave once the next one runs', async () => {
    await startRollout(api, 'argo');
    await checkpoint(api, 'argo', 'go');
    const go = (await verdict()).body;
    expect(go).toMatchObject({ verdict: 'go', phase: 'awaiting-approval', wave: { index: 1 } });
    expect(go.decisionId).toMatch(/^dec_/);
    expect(go.evidenceUrl).toBe(`/api/v1/rollouts/argo/decisions/${go.decisionId}`);
    const evidence = await api.call('GET', go.evidenceUrl, { token: 'reader' });
    expect(((await evidence.json()) as Loose).outcome).toBe('go');

    await operate(api.deps.store, 'argo', 'approve', 'operator', undefined, T0 + 3_600_000);
    expect((await verdict()).body).toMatchObject({ verdict: 'pending', wave: { index: 2, percent: 50 } });
    expect((await verdict('?wave=1')).body).toMatchObject({ verdict: 'go', decisionId: go.decisionId });
  });

  it('says go for every wave of a completed rollout run with approval auto', async () => {
    await putRollout(api, 'argo', 'auto');
    await startRollout(api, 'argo');
    await checkpoint(api, 'argo', 'go');
    expect((await verdict()).body).toMatchObject({ verdict: 'pending', currentWave: 2 });
    expect((await verdict('?wave=1')).body.verdict).toBe('go');
    await checkpoint(api, 'argo', 'go');
    await checkpoint(api, 'argo', 'go');
    for (const wave of [1, 2, 3]) {
      expect((await verdict(`?wave=${wave}`)).body).toMatchObject({ verdict: 'go', phase: 'completed' });
    }
  });

  it('says no-go after a failed checkpoint and inconclusive while the bake is extended', async () => {
    await startRollout(api, 'argo');
    await checkpoint(api, 'argo', 'inconclusive');
    const inconclusive = (await verdict()).body;
    expect(inconclusive).toMatchObject({
      verdict: 'inconclusive',
      phase: 'wave',
      checkpointAt: T0 + 5_400_000,
    });
    expect(inconclusive.reason).toContain('inconclusive');
    await checkpoint(api, 'argo', 'no-go');
    const noGo = (await verdict()).body;
    expect(noGo).toMatchObject({ verdict: 'no-go', phase: 'paused' });
    expect(noGo.decisionId).not.toBe(inconclusive.decisionId);
  });

  it('says rollback for every wave once a guardrail rolled the rollout back', async () => {
    await startRollout(api, 'argo');
    await breach(api, 'argo');
    for (const query of ['', '?wave=1', '?wave=3']) {
      const body = (await verdict(query)).body;
      expect(body).toMatchObject({ verdict: 'rollback', phase: 'rolled-back' });
      expect(body.reason).toContain('error-rate');
    }
  });

  it('says paused before a checkpoint and aborted once an operator ended the rollout', async () => {
    await startRollout(api, 'argo');
    await operate(api.deps.store, 'argo', 'pause', 'operator', 'looking', T0 + 60_000);
    expect((await verdict()).body.verdict).toBe('paused');
    await operate(api.deps.store, 'argo', 'abort', 'operator', 'shipping by hand', T0 + 120_000);
    const aborted = (await verdict()).body;
    expect(aborted).toMatchObject({ verdict: 'aborted', phase: 'aborted' });
    expect(aborted.reason).toContain('shipping by hand');
  });

  it('answers 404 for an unknown rollout, 400 for a wave it does not have, and needs read', async () => {
    const unknown = await api.call('GET', '/api/v1/rollouts/nope/verdict', { token: 'reader' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as Loose).message).toContain('PUT /api/v1/rollouts/nope');
    const beyond = await verdict('?wave=4');
    expect(beyond.status).toBe(400);
    expect(beyond.body.message).toContain('has 3 waves');
    expect((await verdict('?wave=first')).status).toBe(400);
    expect((await verdict('?wave=0')).status).toBe(400);
    expect((await verdict('', null)).status).toBe(401);
    expect((await verdict('', 'ingester')).status).toBe(403);
  });
});
