import { createRolloutStore } from '@rollout-guard/shared/store';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Loose, specYaml, useApiApp } from './api-test-kit.ts';

describe('archive and delete', () => {
  const api = useApiApp();
  beforeEach(async () => {
    await api.redis.flushall();
    await api.call('PUT', '/api/v1/rollouts/old', { body: specYaml('old'), type: 'application/yaml' });
    await api.call('POST', '/api/v1/rollouts/old/start', { token: 'operator' });
  });

  /** Aborts the rollout and drains its outbox, as the evaluator would by enqueueing its jobs. */
  async function finish() {
    await api.call('POST', '/api/v1/rollouts/old/abort', { token: 'operator' });
    const store = createRolloutStore(api.redis);
    await store.removeOutbox(
      'old',
      (await store.listOutbox('old')).map((entry) => entry.id),
    );
  }

  it('refuses a rollout under way with 409 and the reason, and needs the admin scope', async () => {
    const running = await api.call('DELETE', '/api/v1/rollouts/old');
    expect(running.status).toBe(409);
    expect(((await running.json()) as Loose).message).toMatch(
      /it is wave; only a completed, rolled-back or aborted/,
    );
    await finish();
    expect((await api.call('DELETE', '/api/v1/rollouts/old', { token: 'operator' })).status).toBe(403);
    expect((await api.call('POST', '/api/v1/rollouts/old/archive', { token: 'reader' })).status).toBe(403);
  });

  it('archives: listed under ?archived=true only, still readable by name', async () => {
    await finish();
    const archived = await api.call('POST', '/api/v1/rollouts/old/archive');
    expect(archived.status).toBe(200);
    expect(await archived.json()).toMatchObject({ name: 'old', action: 'archive', actor: 'admin' });
    const listed = async (query: string) =>
      ((await (await api.call('GET', `/api/v1/rollouts${query}`)).json()) as Loose).rollouts.map(
        (r: Loose) => r.name,
      );
    expect(await listed('')).toEqual([]);
    expect(await listed('?archived=true')).toEqual(['old']);
    expect((await api.call('GET', '/api/v1/rollouts/old')).status).toBe(200);
    expect((await api.call('GET', '/api/v1/rollouts?archived=maybe')).status).toBe(400);
  });

  it('deletes: gone from the API, 404 the second time', async () => {
    await finish();
    const deleted = await api.call('DELETE', '/api/v1/rollouts/old');
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toMatchObject({ name: 'old', action: 'delete', actor: 'admin' });
    expect((await api.call('GET', '/api/v1/rollouts/old')).status).toBe(404);
    expect((await api.call('DELETE', '/api/v1/rollouts/old')).status).toBe(404);
  });
});
