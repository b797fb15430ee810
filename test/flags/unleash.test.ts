import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEgress, defaultEgressPolicy } from '@rollout-guard/shared/egress';
import { enqueueEvaluate } from '@rollout-guard/shared/jobs';
import { parseSpec } from '@rollout-guard/shared/spec';
import { createRolloutStore, operate, type RolloutStore } from '@rollout-guard/shared/store';
import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import type { WebhookEvent } from '@rollout-guard/shared/webhooks';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type IngestApp, startIngestApp } from '../../services/collector/src/ingest/ingest-test-kit.ts';
import { attemptDelivery } from '../../services/evaluator/src/delivery/attempt.ts';
import { secretResolver } from '../../services/evaluator/src/delivery/secret.ts';
import type { UnleashTarget } from '../../services/evaluator/src/delivery/targets.ts';
import { advanceEvent, goEvent, rollbackEvent } from '../../services/evaluator/src/delivery/test-events.ts';
import type { EvaluatorCore } from '../../services/evaluator/src/evaluator.ts';
import { startTestEvaluator } from '../../services/evaluator/src/evaluator-test-kit.ts';
import { root } from '../deploy/deploy-files.ts';
import { otlpBatch } from '../evaluator/otlp-batch.ts';
import { enabledShare } from './unleash-client.ts';
import { startUnleash, type TestUnleash } from './unleash-kit.ts';

// The unleash format against a real Unleash 7.5 server (on the machine's PostgreSQL), observed through
// Unleash's Admin API and through its Node SDK evaluating the flag for thousands of user ids.

let unleash: TestUnleash;
// Unleash runs on loopback here; the default policy refuses loopback.
const egress = createEgress({ ...defaultEgressPolicy, allowLoopback: true });
beforeAll(async () => {
  unleash = await startUnleash('production');
}, 120_000);
afterAll(async () => {
  await egress.close();
  await unleash?.stop();
});

/**
 * The share a user sees is the strategy's rollout, within what 4,000 hashed user ids can show. The server
 * caches what its client API serves for a moment, so SDKs see a change shortly after it is made.
 */
const served = { timeout: 10_000, interval: 250 };
const near = (percent: number) => expect.closeTo(percent / 100, 1.5);

describe('unleash delivery', () => {
  const target = (overrides: Partial<UnleashTarget> = {}): UnleashTarget => ({
    format: 'unleash',
    url: unleash.url,
    token: { env: 'UNLEASH_TOKEN' },
    project: 'default',
    environment: 'production',
    ...overrides,
  });
  const deliver = (event: WebhookEvent, to: UnleashTarget) =>
    attemptDelivery(event, to, {
      resolveSecret: secretResolver({ UNLEASH_TOKEN: unleash.adminToken, SPEC_ENV_ALLOWED: 'UNLEASH_TOKEN' }),
      path: 'actions.advance[0]',
      timeoutMs: 5_000,
      egress,
    });
  const advance = (flag: string, percent: number) =>
    ({
      ...advanceEvent,
      data: { ...advanceEvent.data, flag, wave: { index: 1, percent } },
    }) as WebhookEvent;
  const rollback = (flag: string) =>
    ({ ...rollbackEvent, data: { ...rollbackEvent.data, flag } }) as WebhookEvent;

  it('creates the gradual rollout of a flag that has none, switches the environment on, and moves it', async () => {
    await unleash.createFlag('fresh-flag');
    expect(await deliver(advance('fresh-flag', 25), target())).toMatchObject({ outcome: 'delivered' });
    const first = await unleash.environmentOf('fresh-flag');
    expect(first).toMatchObject({
      enabled: true,
      strategies: [{ name: 'flexibleRollout', parameters: { rollout: '25', stickiness: 'default' } }],
    });
    await expect.poll(() => enabledShare(unleash, 'fresh-flag'), served).toEqual(near(25));

    expect(await deliver(advance('fresh-flag', 50), target())).toMatchObject({ outcome: 'delivered' });
    const second = await unleash.environmentOf('fresh-flag');
    expect(second.strategies).toEqual([
      expect.objectContaining({
        id: first.strategies[0]?.id,
        parameters: expect.objectContaining({ rollout: '50' }),
      }),
    ]);
    await expect.poll(() => enabledShare(unleash, 'fresh-flag'), served).toEqual(near(50));

    expect(await deliver(rollback('fresh-flag'), target())).toMatchObject({ outcome: 'delivered' });
    expect(await unleash.environmentOf('fresh-flag')).toMatchObject({ enabled: false });
    await expect.poll(() => enabledShare(unleash, 'fresh-flag'), served).toBe(0);
  });

  it("moves the environment's own gradual rollout, keeping its stickiness, group and constraints", async () => {
    await unleash.createFlag('kept-flag');
    const env = '/api/admin/projects/default/features/kept-flag/environments/production';
    const constraints = [{ contextName: 'appName', operator: 'IN', values: ['contact-center'] }];
    const created = (await unleash.admin('POST', `${env}/strategies`, {
      name: 'flexibleRollout',
      parameters: { rollout: '5', stickiness: 'userId', groupId: 'copilot-group' },
      constraints,
    })) as { id: string };
    expect(await deliver(advance('kept-flag', 50), target())).toMatchObject({ outcome: 'delivered' });
    expect((await unleash.environmentOf('kept-flag')).strategies).toEqual([
      expect.objectContaining({
        id: created.id,
        parameters: { rollout: '50', stickiness: 'userId', groupId: 'copilot-group' },
        constraints: [expect.objectContaining(constraints[0])],
      }),
    ]);
  });

  it('asks for strategyId when the environment has several gradual rollouts, and uses the one named', async () => {
    await unleash.createFlag('two-rollouts');
    const env = '/api/admin/projects/default/features/two-rollouts/environments/production';
    const ids: string[] = [];
    for (const rollout of ['10', '20']) {
      const strategy = (await unleash.admin('POST', `${env}/strategies`, {
        name: 'flexibleRollout',
        parameters: { rollout, stickiness: 'default', groupId: `two-rollouts-${rollout}` },
      })) as { id: string };
      ids.push(strategy.id);
    }
    const ambiguous = await deliver(advance('two-rollouts', 50), target());
    expect(ambiguous.outcome).toBe('stopped');
    expect(ambiguous.error).toBe(
      `actions.advance[0]: the flag has 2 gradual rollout (flexibleRollout) strategies in environment production (${ids.join(', ')}); set strategyId to the one rollout-guard should move`,
    );

    expect(
      await deliver(advance('two-rollouts', 50), target({ strategyId: ids[1] as string })),
    ).toMatchObject({
      outcome: 'delivered',
    });
    const rollouts = (await unleash.environmentOf('two-rollouts')).strategies.map((s) => [
      s.id,
      s.parameters.rollout,
    ]);
    expect(rollouts).toEqual([
      [ids[0], '10'],
      [ids[1], '50'],
    ]);
  });

  it('says which flag is missing, and retries until it exists', async () => {
    const missing = await deliver(advance('not-yet-created', 25), target());
    expect(missing).toMatchObject({ outcome: 'retry', status: 404 });
    expect(missing.error).toBe(
      `reading flag not-yet-created: answered 404; flag not-yet-created is not in project default of ${unleash.url}; create it there (or fix the rollout's flag or the target's project): retried until it exists`,
    );
    expect(JSON.stringify(missing)).not.toContain(unleash.adminToken);

    await unleash.createFlag('not-yet-created');
    expect(await deliver(advance('not-yet-created', 25), target())).toMatchObject({ outcome: 'delivered' });
  });

  it('says which environment is missing, for an advance and a rollback alike', async () => {
    await unleash.createFlag('env-flag');
    for (const event of [advance('env-flag', 25), rollback('env-flag')]) {
      const record = await deliver(event, target({ environment: 'staging' }));
      expect(record).toMatchObject({
        outcome: 'retry',
        error:
          "environment staging is not enabled for the flag's project (it has development, production); enable the environment in the project or fix the target's environment",
      });
    }
  });

  it('skips what it does not act on, without a request', async () => {
    expect(await deliver(goEvent, target({ url: 'http://127.0.0.1:9' }))).toMatchObject({
      outcome: 'skipped',
      error: 'unleash acts on rollback and advance only, not rollout.verdict',
    });
  });
});

describe('end to end: collector → evaluator → Unleash', () => {
  let server: TestRedis;
  let redis: Redis;
  let store: RolloutStore;
  let evaluator: EvaluatorCore | undefined;
  let ingest: IngestApp | undefined;
  let feeding: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    server = await startRedis({ appendonly: false });
    redis = new Redis(server.url);
    store = createRolloutStore(redis);
  });
  afterEach(async () => {
    clearInterval(feeding);
    await ingest?.close();
    await evaluator?.close(500);
    await redis.flushall();
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  /**
   * The spec as a user writes it: the Unleash targets are the contact-center example's own (only the
   * server, token, project and environment), pointed at this Unleash.
   */
  const exampleTargets = (list: 'rollback' | 'advance') => {
    const example = parseYaml(readFileSync(join(root, 'examples/contact-center-copilot.yaml'), 'utf8'));
    const targets = (example.spec.actions[list] as Record<string, unknown>[]).filter(
      (t) => t.format === 'unleash',
    );
    expect(targets).toEqual([
      {
        format: 'unleash',
        url: expect.any(String),
        token: 'env:UNLEASH_TOKEN',
        project: 'default',
        environment: 'production',
      },
    ]);
    return JSON.stringify(targets.map((t) => ({ ...t, url: unleash.url })));
  };
  const specYaml = (name: string, flag: string, approval: 'manual' | 'auto') => `
apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: ${name} }
spec:
  flag: ${flag}
  approval: ${approval}
  waves:
    - { percent: 25, bake: 2s, minSamples: 100 }
    - { percent: 50, bake: 2s }
    - { percent: 100, bake: 2s }
  guardrails:
    - name: error-rate
      metric: { ratio: { numerator: errors_total, denominator: requests_total } }
      allowed: { max: 0.03 }
  successCriteria:
    - { name: latency, metric: latency_seconds, aggregate: mean, allowed: { max: 2 } }
  actions:
    rollback: ${exampleTargets('rollback')}
    advance: ${exampleTargets('advance')}
`;

  async function startRollout(name: string, flag: string, approval: 'manual' | 'auto') {
    await unleash.createFlag(flag);
    evaluator = await startTestEvaluator(server.url, {
      env: {
        UNLEASH_TOKEN: unleash.adminToken,
        SPEC_ENV_ALLOWED: 'UNLEASH_TOKEN',
        EGRESS_ALLOW_LOOPBACK: 'true',
      },
    });
    const parsed = parseSpec(specYaml(name, flag, approval));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    await store.putSpec({ spec: parsed.spec, source: '', contentType: 'application/yaml', actor: 'ana' });
    const core = evaluator;
    ingest = await startIngestApp(server.url, [], {
      onStored: (rollouts, storedAt) => {
        for (const rollout of rollouts)
          void enqueueEvaluate(core.ctx.queues.evaluate, rollout, 'data', storedAt);
      },
    });
    expect(await operate(store, name, 'start', 'ana', 'release')).toMatchObject({ ok: true });
  }

  async function send(body: object) {
    const response = await ingest?.app.request('/v1/metrics', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response?.status).toBe(200);
  }

  /** Healthy traffic in both cohorts, as an application keeps sending it while a wave bakes. */
  function feedHealthyTraffic() {
    const batch = () =>
      otlpBatch({
        on: { requests: 500, errors: 1, latencyMean: 1.2 },
        off: { requests: 500, errors: 1, latencyMean: 1.1 },
      });
    feeding = setInterval(() => void send(batch()).catch(() => {}), 250);
  }

  const rolloutOf = async (flag: string) => {
    const env = await unleash.environmentOf(flag);
    return { enabled: env.enabled, rollouts: env.strategies.map((s) => s.parameters.rollout) };
  };
  const phaseOf = async (name: string) => (await store.getState(name))?.state;

  /** Unleash's Admin API shows the flag on at `percent`, and the SDK serves it to that share of users. */
  async function expectServedAt(flag: string, percent: number, timeout: number) {
    await expect
      .poll(() => rolloutOf(flag), { timeout })
      .toEqual({ enabled: true, rollouts: [String(percent)] });
    await expect.poll(() => enabledShare(unleash, flag), served).toEqual(near(percent));
  }

  it('with approval auto, each go starts the next wave: 25 → 50 → 100% in Unleash, then completed', async () => {
    await startRollout('copilot-auto', 'copilot-auto', 'auto');
    await expectServedAt('copilot-auto', 25, 10_000);

    feedHealthyTraffic();
    await expectServedAt('copilot-auto', 50, 20_000);

    await expectServedAt('copilot-auto', 100, 20_000);
    await expect
      .poll(async () => (await phaseOf('copilot-auto'))?.phase, { timeout: 20_000 })
      .toBe('completed');
  });

  it('with approval manual, the approval starts wave 2 at 50%; a breach then turns the flag off', async () => {
    await startRollout('copilot-manual', 'copilot-manual', 'manual');
    await expectServedAt('copilot-manual', 25, 10_000);

    feedHealthyTraffic();
    await expect
      .poll(async () => (await phaseOf('copilot-manual'))?.phase, { timeout: 20_000 })
      .toBe('awaiting-approval');
    clearInterval(feeding);
    expect(await rolloutOf('copilot-manual')).toEqual({ enabled: true, rollouts: ['25'] });

    expect(await operate(store, 'copilot-manual', 'approve', 'ana', 'wave 1 looks good')).toMatchObject({
      ok: true,
    });
    await expectServedAt('copilot-manual', 50, 10_000);

    await send(otlpBatch({ on: { requests: 5_000, errors: 400 }, off: { requests: 5_000, errors: 20 } }));
    await expect
      .poll(async () => (await rolloutOf('copilot-manual')).enabled, { timeout: 10_000 })
      .toBe(false);
    await expect.poll(() => enabledShare(unleash, 'copilot-manual'), served).toBe(0);
    expect((await phaseOf('copilot-manual'))?.phase).toBe('rolled-back');
  });
});
