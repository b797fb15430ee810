import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiTestApp, type Loose, specYaml, useApiSuite } from './api-test-kit.ts';
import { breach, startRollout } from './controller-test-kit.ts';

// Owner, runbook and summary as the API shows them: on the rollout and each check, in validate, in the
// decision (JSON and report), the evidence pack and the controllers' verdict.

const ONCALL = `  owner: shop-oncall
  runbook: https://runbooks.internal/shop
  summary: "{{check}} at {{value}} against {{limit}} in wave {{wave}}; page {{owner}}"
  actions:`;

const specWithOncall = (name: string) =>
  specYaml(name)
    .replace('  actions:', ONCALL)
    .replace(
      'allowed: { max: 0.03 }',
      'allowed: { max: 0.03 }\n      owner: payments-oncall\n      runbook: https://runbooks.internal/shop#errors',
    );

describe('owner, runbook and summary through the API', () => {
  const suite = useApiSuite();
  let api: ApiTestApp;
  let decisionId: string;

  beforeAll(async () => {
    api = suite.api;
    await api.redis.flushall();
    const put = await api.call('PUT', '/api/v1/rollouts/shop', {
      body: specWithOncall('shop'),
      type: 'application/yaml',
    });
    expect(put.status).toBe(201);
    await startRollout(api, 'shop');
    await breach(api, 'shop');
    const list: Loose = await (
      await api.call('GET', '/api/v1/rollouts/shop/decisions', { token: 'reader' })
    ).json();
    decisionId = list.decisions.find((d: Loose) => d.outcome === 'rollback').id;
  });

  it('shows the rollout’s and each check’s on the rollout view', async () => {
    const view: Loose = await (await api.call('GET', '/api/v1/rollouts/shop', { token: 'reader' })).json();
    expect(view).toMatchObject({ owner: 'shop-oncall', runbook: 'https://runbooks.internal/shop' });
    expect(view.checks.map((c: Loose) => [c.name, c.owner, c.runbook])).toEqual([
      ['error-rate', 'payments-oncall', 'https://runbooks.internal/shop#errors'],
      ['latency', 'shop-oncall', 'https://runbooks.internal/shop'],
    ]);
  });

  it('records them in the decision, the summary rendered with its numbers', async () => {
    const decision: Loose = await (
      await api.call('GET', `/api/v1/rollouts/shop/decisions/${decisionId}`, { token: 'reader' })
    ).json();
    expect(decision).toMatchObject({ owner: 'shop-oncall', runbook: 'https://runbooks.internal/shop' });
    expect(decision.checks[0]).toMatchObject({
      check: 'error-rate',
      owner: 'payments-oncall',
      runbook: 'https://runbooks.internal/shop#errors',
      summary: 'error-rate at 0.041 against max 0.03 in wave 1; page payments-oncall',
    });
  });

  it('shows them in the decision report and the evidence pack, HTML and JSON', async () => {
    const pages = [
      `/api/v1/rollouts/shop/decisions/${decisionId}`,
      `/api/v1/rollouts/shop/decisions/${decisionId}/evidence.html`,
    ];
    for (const path of pages) {
      const page = await (await api.call('GET', path, { token: 'reader', accept: 'text/html' })).text();
      expect(page).toContain('<dt>Owner</dt><dd>shop-oncall</dd>');
      expect(page).toContain('<a href="https://runbooks.internal/shop">https://runbooks.internal/shop</a>');
      expect(page).toContain(
        'owner payments-oncall · <a href="https://runbooks.internal/shop#errors">runbook</a>',
      );
      expect(page).toContain(
        '<strong class="summary">error-rate at 0.041 against max 0.03 in wave 1; page payments-oncall</strong>',
      );
    }
    const pack: Loose = await (
      await api.call('GET', `/api/v1/rollouts/shop/decisions/${decisionId}/evidence.json`, {
        token: 'reader',
      })
    ).json();
    expect(pack.decision).toMatchObject({ owner: 'shop-oncall', runbook: 'https://runbooks.internal/shop' });
    expect(pack.decision.checks[0]).toMatchObject({ owner: 'payments-oncall' });
  });

  it('names them in the verdict controllers read', async () => {
    const verdict: Loose = await (
      await api.call('GET', '/api/v1/rollouts/shop/verdict', { token: 'reader' })
    ).json();
    expect(verdict).toMatchObject({
      verdict: 'rollback',
      owner: 'shop-oncall',
      runbook: 'https://runbooks.internal/shop',
    });
  });

  it('validates the URLs: a problem at its path for a relative one, a warning for plain http', async () => {
    const validate = async (body: string): Promise<Loose> =>
      (
        await api.call('POST', '/api/v1/validate', { token: 'reader', body, type: 'application/yaml' })
      ).json();
    const relative = await validate(
      specWithOncall('val').replace('https://runbooks.internal/shop#errors', '/wiki/errors'),
    );
    expect(relative).toMatchObject({
      valid: false,
      problems: [
        expect.objectContaining({
          path: 'spec.guardrails[0].runbook',
          message: expect.stringContaining('absolute http(s) URL of a runbook'),
        }),
      ],
    });
    const plain = await validate(
      specWithOncall('val').replace(
        'runbook: https://runbooks.internal/shop\n',
        'runbook: http://wiki.internal/shop\n',
      ),
    );
    expect(plain.valid).toBe(true);
    expect(plain.warnings).toEqual([
      expect.objectContaining({ path: 'spec.runbook', message: expect.stringContaining('plain http') }),
    ]);
  });
});
