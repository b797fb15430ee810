import type { Decision } from '@rollout-guard/shared/decision';
import { operate } from '@rollout-guard/shared/store';
import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiTestApp, type Loose, specYaml, startApiApp } from './api-test-kit.ts';
import { renderDecisionReport } from './decision-report.ts';
import { escapeHtml } from './html.ts';

describe('decisions and the decision report', () => {
  let redis: TestRedis;
  let api: ApiTestApp;
  let rollback: Decision;
  const now = Date.parse('2026-11-21T10:00:00Z');

  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    api = await startApiApp(redis.url);
    await api.call('PUT', '/api/v1/rollouts/dec', { body: specYaml('dec'), type: 'application/yaml' });
    await operate(api.deps.store, 'dec', 'start', 'operator', 'wave 1', now);
    const result = await api.deps.store.applyEvent(
      'dec',
      {
        type: 'evaluation',
        measurements: {
          'error-rate': {
            window: { from: now, to: now + 60_000, label: 'wave' },
            treatment: { samples: 5120, value: 0.041, interval: [0.036, 0.046] },
          },
        },
      },
      now + 60_000,
    );
    if (!result.ok) throw new Error(result.reason);
    rollback = result.decisions.find((d) => d.kind === 'rollback')!;
  });
  afterAll(async () => {
    await api.close();
    await redis.stop();
  });

  it('lists decisions newest first and returns one as JSON with its evidence', async () => {
    const list: Loose = await (
      await api.call('GET', '/api/v1/rollouts/dec/decisions', { token: 'reader' })
    ).json();
    expect(list.decisions.map((d: Loose) => d.kind)).toEqual(['rollback', 'advance']);
    const res = await api.call('GET', `/api/v1/rollouts/dec/decisions/${rollback.id}`, { token: 'reader' });
    expect(res.headers.get('content-type')).toContain('application/json');
    const one: Loose = await res.json();
    expect(one).toMatchObject({
      id: rollback.id,
      kind: 'rollback',
      outcome: 'rollback',
      specVersion: 1,
      shadow: false,
    });
    expect(one.checks[0]).toMatchObject({ check: 'error-rate', allowed: { max: 0.03 }, outcome: 'breached' });
    expect((await api.call('GET', '/api/v1/rollouts/dec/decisions/nope', { token: 'reader' })).status).toBe(
      404,
    );
    expect((await api.call('GET', '/api/v1/rollouts/dec/decisions', { token: null })).status).toBe(401);
    expect((await api.call('GET', '/api/v1/rollouts/dec/decisions', { token: 'ingester' })).status).toBe(403);
  });

  it('shows the guardrail’s latest value, interval and state on the rollout', async () => {
    const view: Loose = await (await api.call('GET', '/api/v1/rollouts/dec', { token: 'reader' })).json();
    expect(view).toMatchObject({
      phase: 'rolled-back',
      wave: { index: 1, percent: 25, of: 3 },
      mode: 'enforce',
    });
    expect(view.checks[0]).toMatchObject({
      name: 'error-rate',
      state: 'breached',
      value: 0.041,
      interval: [0.036, 0.046],
      samples: { treatment: 5120, reference: 0 },
      allowed: { max: 0.03 },
      window: 'wave',
    });
  });

  it('answers a browser (Accept: text/html) with the report, and ?format=json with JSON', async () => {
    const page = await api.call('GET', `/api/v1/rollouts/dec/decisions/${rollback.id}`, {
      token: 'reader',
      accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
    });
    expect(page.headers.get('content-type')).toContain('text/html');
    const text = await page.text();
    expect(text).toContain('<table>');
    expect(text).toContain(`/api/v1/rollouts/dec/decisions/${rollback.id}?format=json`);
    const json = await api.call('GET', `/api/v1/rollouts/dec/decisions/${rollback.id}?format=json`, {
      token: 'reader',
      accept: 'text/html',
    });
    expect(json.headers.get('content-type')).toContain('application/json');
  });

  it('says a shadow decision and a shadow check are shadow, and that nothing acted', () => {
    const plain = renderDecisionReport(rollback, { json: '/d.json', rollout: '/d' });
    expect(plain).not.toContain('Shadow decision');
    const shadow: Decision = {
      ...rollback,
      shadow: true,
      checks: rollback.checks.map((c) => ({ ...c, shadow: true as const })),
    };
    const text = renderDecisionReport(shadow, { json: '/d.json', rollout: '/d' });
    expect(text).toContain('<p class="verdict">rollback (shadow)</p>');
    expect(text).toContain('nothing acted');
    expect(text).toContain('shadow: not counted, never acts');
  });

  it('renders every field a go/no-go review needs', () => {
    const text = renderDecisionReport(rollback, { json: '/decision.json', rollout: '/decisions' });
    // What was decided, when, about which wave, by which spec version and actor.
    expect(text).toContain('dec — rollback');
    expect(text).toContain('<p class="verdict">rollback</p>');
    expect(text).toContain(escapeHtml(rollback.reason));
    expect(text).toContain('2026-11-21 10:01:00 UTC');
    expect(text).toContain('wave 1 (25%)');
    expect(text).toMatch(/<dt>Spec version<\/dt><dd>1<\/dd>/);
    expect(text).toContain('rollout-guard (automatic)');
    expect(text).toContain('<a href="/decision.json">');
    // Every check: value, interval, limit for that wave, samples per cohort, window, rule, outcome.
    const evidence = rollback.checks[0]!;
    expect(text).toContain('error-rate');
    expect(text).toContain('0.04100');
    expect(text).toContain('[0.03600, 0.04600]');
    expect(text).toContain('95% confidence');
    expect(text).toContain('max 0.03');
    expect(text).toContain('from allowed');
    expect(text).toContain('treatment 5120');
    expect(text).toContain('min 100');
    expect(text).toContain('wave: 2026-11-21 10:00:00 UTC → 2026-11-21 10:01:00 UTC');
    expect(text).toContain(`Rule: ${evidence.rule}`);
    expect(text).toContain('<strong>breached</strong>');
    expect(text).toContain('@media print');
    expect(text).not.toContain('<script');
  });

  it('names the operator for an operator decision and escapes what users wrote', () => {
    const decision: Decision = {
      ...rollback,
      actor: { type: 'operator', name: 'alice' },
      reason: '<img src=x onerror=alert(1)>',
      checks: [],
    };
    const text = renderDecisionReport(decision, { json: '/d.json', rollout: '/d' });
    expect(text).toContain('alice (operator)');
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(text).not.toContain('<img');
    expect(text).toContain('No check bore on this decision');
  });
});
