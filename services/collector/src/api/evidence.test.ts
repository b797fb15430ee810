import type { Decision } from '@rollout-guard/shared/decision';
import { type ApplyResult, type OutboxEntry, operate } from '@rollout-guard/shared/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiTestApp, useApiSuite } from './api-test-kit.ts';
import { EvidencePack } from './evidence-pack.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SPEC = `apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: gate }
spec:
  flag: gate-flag
  waves: [{ percent: 25, bake: 1h, minSamples: 100 }, { percent: 100, bake: 1h }]
  guardrails:
    - { name: error-rate, metric: { ratio: { numerator: errors_total, denominator: requests_total } }, allowed: { max: 0.03 } }
  successCriteria:
    - { name: latency, metric: latency_seconds, aggregate: mean, allowed: { max: 2 } }
  actions:
    verdict: [{ url: "http://127.0.0.1:9/hooks/verdict", secret: "${SECRET}" }]
    advance: [{ url: "https://hooks.slack.com/services/T0/B0/XYZ", format: slack }]
`;

describe('the evidence pack of a gate', () => {
  const suite = useApiSuite();
  let api: ApiTestApp;
  let verdict: Decision;
  let advance: Decision;
  const now = Date.parse('2026-11-21T10:00:00Z');

  /** As the evaluator does: each delivery of a transition opened in the delivery log. */
  async function openDeliveries(outbox: readonly OutboxEntry[]) {
    for (const entry of outbox) {
      if (entry.kind !== 'deliver') continue;
      await api.deps.deliveries.open(entry, { format: 'standard', destination: '127.0.0.1' });
    }
  }
  function applied(result: ApplyResult) {
    if (!result.ok) throw new Error(result.reason);
    return result;
  }

  beforeAll(async () => {
    api = suite.api;
    await api.redis.flushall();
    await api.call('PUT', '/api/v1/rollouts/gate', { body: SPEC, type: 'application/yaml' });
    await operate(api.deps.store, 'gate', 'start', 'operator', 'wave 1', now);
    const refused = await operate(
      api.deps.store,
      'gate',
      'approve',
      'viewer',
      'not mine to approve',
      now + 1_000,
    );
    expect(refused.ok).toBe(false); // a refusal before the decision belongs to no gate
    applied(await api.deps.store.applyEvent('gate', { type: 'bake-elapsed' }, now + 3_600_000));
    const checkpoint = applied(
      await api.deps.store.applyEvent(
        'gate',
        {
          type: 'checkpoint',
          measurements: {
            latency: {
              window: { from: now, to: now + 3_600_000, label: 'wave' },
              treatment: { samples: 5000, value: 1.2, interval: [1.1, 1.3] },
            },
          },
        },
        now + 3_600_500,
      ),
    );
    verdict = checkpoint.decisions.find((d) => d.kind === 'verdict')!;
    await openDeliveries(checkpoint.outbox);
    const approved = applied(
      await operate(api.deps.store, 'gate', 'approve', 'operator', 'CAB 2026-11-21 said go', now + 3_700_000),
    );
    advance = approved.decisions.find((d) => d.kind === 'advance')!;
    await openDeliveries(approved.outbox);
  });

  const get = (path: string, token: 'reader' | null = 'reader') => api.call('GET', path, { token });

  it('downloads as JSON: the decision and its checks, the spec in force, the approvals, the deliveries', async () => {
    const res = await get(`/api/v1/rollouts/gate/decisions/${verdict.id}/evidence.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="gate-${verdict.id}-evidence.json"`,
    );
    const text = await res.text();
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('XYZ');
    const pack = EvidencePack.parse(JSON.parse(text));
    expect(pack.decision).toMatchObject({ id: verdict.id, kind: 'verdict', outcome: 'go', specVersion: 1 });
    expect(pack.decision.checks[0]).toMatchObject({
      check: 'latency',
      outcome: 'pass',
      allowed: { max: 2 },
      cohorts: { treatment: { samples: 5000, value: 1.2 } },
    });
    expect(pack.spec).toMatchObject({ version: 1, approval: 'manual', actor: 'admin' });
    expect(JSON.stringify(pack.spec.content)).toContain('[redacted]');
    expect(pack.approvals.map((a) => [a.actor, a.kind, a.reason])).toEqual([
      ['operator', 'transition', 'CAB 2026-11-21 said go'],
    ]);
    expect(pack.followingDecisions.map((d) => d.kind)).toContain('advance');
    expect(pack.deliveries.map((d) => d.id)).toEqual([`${verdict.id}.verdict.0`, `${advance.id}.advance.0`]);
  });

  it('downloads as one printable HTML page with the same content', async () => {
    const res = await get(`/api/v1/rollouts/gate/decisions/${verdict.id}/evidence.html`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="gate-${verdict.id}-evidence.html"`,
    );
    const page = await res.text();
    expect(page).not.toContain(SECRET);
    expect(page).toContain('@media print');
    expect(page).toContain('<title>Evidence pack: gate verdict go, wave 1</title>');
    expect(page).toContain('CAB 2026-11-21 said go');
    expect(page).toContain(`${advance.id}.advance.0`);
    expect(page).toContain('Spec version 1 in force');
    expect(page).toMatch(/latency_seconds/);
    expect(page).not.toContain('<script');
  });

  it('is linked from the decision’s report', async () => {
    const report = await api.call('GET', `/api/v1/rollouts/gate/decisions/${verdict.id}`, {
      token: 'reader',
      accept: 'text/html',
    });
    const page = await report.text();
    expect(page).toContain(`href="/api/v1/rollouts/gate/decisions/${verdict.id}/evidence.html" download`);
    expect(page).toContain(`href="/api/v1/rollouts/gate/decisions/${verdict.id}/evidence.json" download`);
  });

  it('says what is missing, and needs the read scope', async () => {
    const missing = await get('/api/v1/rollouts/gate/decisions/dec_nope/evidence.json');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toContain('no decision "dec_nope"');
    expect((await get('/api/v1/rollouts/nobody/decisions/dec_nope/evidence.html')).status).toBe(404);
    expect((await get(`/api/v1/rollouts/gate/decisions/${verdict.id}/evidence.json`, null)).status).toBe(401);
  });
});
