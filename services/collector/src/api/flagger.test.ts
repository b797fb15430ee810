import { operate } from '@rollout-guard/shared/store';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Loose, TOKENS, useApiApp } from './api-test-kit.ts';
import { breach, checkpoint, putRollout, startRollout, T0 } from './controller-test-kit.ts';
import { FlaggerAnswer } from './flagger.ts';
import type { FlaggerHook } from './flagger-gate.ts';

describe('POST /api/v1/flagger/{hook} (Flagger webhooks)', () => {
  const api = useApiApp();
  beforeEach(async () => {
    await api.redis.flushall();
    await putRollout(api, 'checkout-redesign');
  });

  /** Flagger's documented payload; the token travels in metadata, as Flagger sends no headers. */
  async function hook(
    type: FlaggerHook | string,
    options: {
      checksum?: string;
      token?: keyof typeof TOKENS | null;
      metadata?: Record<string, string>;
    } = {},
  ) {
    const token = options.token === undefined ? 'operator' : options.token;
    const body = {
      name: 'checkout',
      namespace: 'shop',
      phase: 'Progressing',
      checksum: options.checksum ?? '85d557f47b',
      metadata: {
        rollout: 'checkout-redesign',
        ...(token === null ? {} : { token: TOKENS[token] }),
        ...options.metadata,
      },
    };
    const res = await api.call('POST', `/api/v1/flagger/${type}`, {
      token: null,
      body: JSON.stringify(body),
      type: 'application/json',
    });
    const answer: Loose = await res.json();
    if (res.status === 200 || res.status === 409) FlaggerAnswer.parse(answer);
    return { status: res.status, answer };
  }

  const phaseOf = async () => (await api.deps.store.getState('checkout-redesign'))?.state;

  it('moves Flagger one traffic step per wave, approving each wave after its go', async () => {
    const notStarted = await hook('confirm-rollout');
    expect(notStarted.status).toBe(409);
    expect(notStarted.answer.gate).toContain('start it with POST /api/v1/rollouts/checkout-redesign/start');
    expect((await hook('confirm-traffic-increase')).status).toBe(409);

    await startRollout(api, 'checkout-redesign');
    expect((await hook('confirm-rollout')).status).toBe(200);
    const first = await hook('confirm-traffic-increase');
    expect(first).toMatchObject({ status: 200, answer: { open: true, steps: 1, gate: 'wave 1 has begun' } });

    const waiting = await hook('confirm-traffic-increase');
    expect(waiting).toMatchObject({ status: 409, answer: { open: false, steps: 1, verdict: 'pending' } });
    expect(waiting.answer.gate).toContain("waiting for wave 1's go: wave 1 (25%) is baking");

    await checkpoint(api, 'checkout-redesign', 'go');
    const second = await hook('confirm-traffic-increase');
    expect(second).toMatchObject({
      status: 200,
      answer: { verdict: 'go', steps: 2, phase: 'wave', currentWave: 2, wave: { index: 1 } },
    });
    expect(second.answer.decisionId).toMatch(/^dec_/);
    const approval = (await api.deps.store.readAudit('checkout-redesign')).find(
      (e) => e.event.type === 'approve',
    );
    expect(approval).toMatchObject({
      actor: 'flagger:operator',
      event: { reason: expect.stringContaining('shop/checkout') },
    });

    expect((await hook('confirm-promotion')).status).toBe(409);
    expect((await hook('rollback')).status).toBe(409);
    await checkpoint(api, 'checkout-redesign', 'go');
    expect((await hook('confirm-promotion')).answer).toMatchObject({ open: true, steps: 3, currentWave: 3 });
    expect((await phaseOf())?.wave).toBe(3);
    await checkpoint(api, 'checkout-redesign', 'go');
    expect((await phaseOf())?.phase).toBe('completed');
    expect((await hook('confirm-promotion')).status).toBe(200);
  });

  it('grants each step once: a retried call opens the same step, a repeat after it waits, the last ones do not count', async () => {
    await startRollout(api, 'checkout-redesign');
    expect((await hook('confirm-traffic-increase')).answer.steps).toBe(1);
    await checkpoint(api, 'checkout-redesign', 'go');

    // Flagger timed out on a slow approval and asked again while the first call was still being answered.
    const [original, retry] = await Promise.all([
      hook('confirm-traffic-increase'),
      hook('confirm-traffic-increase'),
    ]);
    for (const answer of [original, retry]) {
      expect(answer).toMatchObject({ status: 200, answer: { open: true, steps: 2, currentWave: 2 } });
    }
    // One approval took; a duplicate that lost the race is refused in the audit log, and answered as the same step.
    const approvals = (await api.deps.store.readAudit('checkout-redesign')).filter(
      (e) => e.event.type === 'approve' && e.kind !== 'refused',
    );
    expect(approvals).toHaveLength(1);
    // Asked again after the step was granted, the gate waits for the next go and counts nothing.
    expect((await hook('confirm-traffic-increase')).answer).toMatchObject({ open: false, steps: 2 });

    await checkpoint(api, 'checkout-redesign', 'go');
    expect((await hook('confirm-traffic-increase')).answer).toMatchObject({ open: true, steps: 3 });
    // At its last weight Flagger calls confirm-traffic-increase, then confirm-promotion, at every interval
    // until it promotes: every wave is granted, so each opens and the count stays.
    for (const gate of ['confirm-promotion', 'confirm-traffic-increase', 'confirm-promotion']) {
      expect((await hook(gate)).answer, gate).toMatchObject({ open: true, steps: 3 });
    }
    await checkpoint(api, 'checkout-redesign', 'go');
    expect((await phaseOf())?.phase).toBe('completed');
    expect((await hook('confirm-promotion')).answer).toMatchObject({ open: true, steps: 3 });
  });

  it('keeps the gates closed on a no-go and an inconclusive checkpoint', async () => {
    await startRollout(api, 'checkout-redesign');
    await hook('confirm-traffic-increase');
    await checkpoint(api, 'checkout-redesign', 'inconclusive');
    expect((await hook('confirm-traffic-increase')).answer).toMatchObject({
      open: false,
      verdict: 'inconclusive',
    });
    await checkpoint(api, 'checkout-redesign', 'no-go');
    const noGo = await hook('confirm-traffic-increase');
    expect(noGo).toMatchObject({ status: 409, answer: { verdict: 'no-go', phase: 'paused' } });
    expect((await hook('rollback')).status).toBe(409);
    expect((await phaseOf())?.wave).toBe(1);
  });

  it('follows a rollout with approval auto without approving it', async () => {
    await putRollout(api, 'checkout-redesign', 'auto');
    await startRollout(api, 'checkout-redesign');
    await hook('confirm-traffic-increase');
    await checkpoint(api, 'checkout-redesign', 'go');
    expect((await phaseOf())?.wave).toBe(2);
    const step = await hook('confirm-traffic-increase');
    expect(step).toMatchObject({
      status: 200,
      answer: { steps: 2, gate: 'wave 1 said go; wave 2 has begun' },
    });
    const audit = await api.deps.store.readAudit('checkout-redesign');
    expect(audit.some((e) => e.event.type === 'approve')).toBe(false);
  });

  it('answers the rollback hook with 200 once rollout-guard rolled back, and closes every gate', async () => {
    await startRollout(api, 'checkout-redesign');
    await hook('confirm-traffic-increase');
    await breach(api, 'checkout-redesign');
    const rollback = await hook('rollback', { token: 'reader' });
    expect(rollback).toMatchObject({
      status: 200,
      answer: { open: true, verdict: 'rollback', phase: 'rolled-back' },
    });
    expect(rollback.answer.gate).toContain('error-rate');
    for (const gate of ['confirm-rollout', 'confirm-traffic-increase', 'confirm-promotion']) {
      expect((await hook(gate)).status).toBe(409);
    }
  });

  it('counts steps per canary revision and run: a new checksum or a restarted rollout starts at wave 1', async () => {
    await startRollout(api, 'checkout-redesign');
    expect((await hook('confirm-traffic-increase')).answer.steps).toBe(1);
    expect((await hook('confirm-traffic-increase', { checksum: 'a-new-revision' })).answer).toMatchObject({
      open: true,
      steps: 1,
    });

    await breach(api, 'checkout-redesign');
    await putRollout(api, 'checkout-redesign', 'auto'); // a changed spec: the ended rollout starts afresh
    const restarted = await operate(
      api.deps.store,
      'checkout-redesign',
      'start',
      'operator',
      'again',
      T0 + 86_400_000,
    );
    expect(restarted.ok).toBe(true);
    const again = await hook('confirm-traffic-increase', { checksum: 'a-new-revision' });
    expect(again).toMatchObject({ status: 200, answer: { steps: 1, gate: 'wave 1 has begun' } });
  });

  it('names the rollout by the Canary when metadata has no rollout, and refuses bad calls', async () => {
    await putRollout(api, 'checkout');
    const named = await hook('confirm-rollout', { metadata: { rollout: 'checkout' } });
    expect(named.answer.rollout).toBe('checkout');
    const body = JSON.stringify({ name: 'checkout', namespace: 'shop', phase: 'Waiting', metadata: {} });
    const byName = await api.call('POST', '/api/v1/flagger/confirm-rollout', { token: 'reader', body });
    expect(((await byName.json()) as Loose).rollout).toBe('checkout');

    expect((await hook('confirm-rollout', { metadata: { rollout: 'nope' } })).status).toBe(404);
    const unnamed = JSON.stringify({ name: 'Shop.Web', namespace: 'shop', phase: 'Waiting' });
    const unknownCanary = await api.call('POST', '/api/v1/flagger/rollback', {
      token: 'reader',
      body: unnamed,
    });
    expect(unknownCanary.status).toBe(404);
    expect(((await unknownCanary.json()) as Loose).message).toContain(
      "name the rollout of Canary shop/Shop.Web in the webhook's metadata.rollout",
    );
    const unknownHook = await hook('pre-rollout');
    expect(unknownHook.status).toBe(404);
    expect(unknownHook.answer.message).toContain('confirm-rollout, confirm-traffic-increase');
    const malformed = await api.call('POST', '/api/v1/flagger/rollback', {
      token: 'reader',
      body: '{"name": 1}',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as Loose).message).toContain('Not a Flagger webhook body: name');
    expect((await hook('confirm-rollout', { token: null })).status).toBe(401);
    expect((await hook('confirm-rollout', { token: 'ingester' })).status).toBe(403);
    expect((await hook('confirm-rollout', { token: 'reader' })).status).toBe(409);
    const readOnly = await hook('confirm-traffic-increase', { token: 'reader' });
    expect(readOnly.status).toBe(403);
    expect(readOnly.answer.message).toContain('confirm-traffic-increase hook needs operate');
  });
});
