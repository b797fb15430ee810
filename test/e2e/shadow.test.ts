import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2eSystem, startSystem } from './e2e-kit.ts';

// Shadow mode through the real processes: the collector ingests OTLP, the evaluator judges and delivers,
// a webhook receiver on loopback records what arrives.

const spec = (receiverUrl: string, mode: 'shadow' | 'enforce') => `apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: checkout-shadow }
spec:
  flag: new-checkout
  mode: ${mode}
  waves:
    - { percent: 25, bake: 1h }
    - { percent: 100, bake: 1h }
  guardrails:
    - name: error-rate
      metric: { ratio: { numerator: errors_total, denominator: requests_total } }
      allowed: { max: 0.03 }
  actions:
    rollback: [{ url: "${receiverUrl}/rollback", secret: "env:ROLLBACK_SECRET" }]
    advance: [{ url: "${receiverUrl}/advance", secret: "env:ROLLBACK_SECRET" }]
    alert: [{ url: "${receiverUrl}/alert", secret: "env:ROLLBACK_SECRET" }]
`;

const nanos = (ms: number) => `${ms}000000`;

/** Delta counters of requests and errors per cohort, as one OTLP/JSON export. */
function otlp(cohorts: Record<string, { requests: number; errors: number }>) {
  const now = Date.now();
  const points = (pick: (c: { requests: number; errors: number }) => number) =>
    Object.entries(cohorts).map(([variant, c]) => ({
      attributes: [{ key: 'feature_flag.result.variant', value: { stringValue: variant } }],
      startTimeUnixNano: nanos(now - 1000),
      timeUnixNano: nanos(now),
      asInt: String(pick(c)),
    }));
  const sum = (name: string, pick: (c: { requests: number; errors: number }) => number) => ({
    name,
    sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: points(pick) },
  });
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
        scopeMetrics: [
          { metrics: [sum('requests_total', (c) => c.requests), sum('errors_total', (c) => c.errors)] },
        ],
      },
    ],
  };
}

async function send(body: object) {
  const response = await fetch(`${system.stack.collectorUrl}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

/**
 * Sends the export once a second until a webhook of `type` arrives, for 20 s at most: the collector
 * learns that a rollout started from Redis a moment after the API answered, and drops data until then.
 */
async function sendUntilWebhook(body: object, type: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    await send(body);
    try {
      return await system.webhook(type, 1_000);
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}

interface DecisionRecord {
  id: string;
  kind: string;
  outcome: string;
  shadow: boolean;
  specVersion: number;
}

async function decisions(): Promise<DecisionRecord[]> {
  const response = await fetch(`${system.stack.collectorUrl}/api/v1/rollouts/checkout-shadow/decisions`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { decisions: DecisionRecord[] }).decisions;
}

let system: E2eSystem;
beforeAll(async () => {
  system = await startSystem();
}, 90_000);
afterAll(async () => {
  await system?.stop();
});

describe('shadow mode end to end', () => {
  it('records a breach as a shadow rollback without a rollback webhook, then acts once switched to enforce', async () => {
    await system.api.putSpec('checkout-shadow', spec(system.receiver.url, 'shadow'));
    await system.api.act('checkout-shadow', 'start', 'e2e: shadow');
    // 8% errors against a 3% limit, on plenty of requests.
    const alert = await sendUntilWebhook(
      otlp({ on: { requests: 5_000, errors: 400 }, off: { requests: 5_000, errors: 20 } }),
      'rollout.alert',
    );
    expect(alert.path).toBe('/alert');
    expect(alert.body.data).toMatchObject({ shadow: true, verdict: 'alert' });
    expect(String(alert.body.data.summary)).toContain('shadow mode');
    await expect
      .poll(async () => (await decisions()).find((d) => d.kind === 'rollback'), { timeout: 10_000 })
      .toMatchObject({ outcome: 'rollback', shadow: true, specVersion: 1 });
    const shadowRollback = (await decisions()).find((d) => d.kind === 'rollback')!;
    expect(alert.id).toBe(shadowRollback.id);

    // More breaching data keeps being judged; the rollout has not ended and nothing acted.
    await send(otlp({ on: { requests: 5_000, errors: 400 } }));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await system.api.rollout('checkout-shadow'))?.phase).toBe('wave');
    expect((await system.api.rollout('checkout-shadow'))?.raw.mode).toBe('shadow');
    expect(system.webhooks.filter((w) => w.path === '/rollback' || w.path === '/advance')).toEqual([]);

    // Switching to enforce is a spec change the running rollout takes; its history stays.
    const { version } = await system.api.putSpec('checkout-shadow', spec(system.receiver.url, 'enforce'));
    expect(version).toBe(2);
    await send(otlp({ on: { requests: 5_000, errors: 400 } }));
    const rollback = await system.webhook('rollout.rollback', 20_000);
    expect(rollback.path).toBe('/rollback');
    expect(rollback.body.data).not.toHaveProperty('shadow');
    await expect.poll(async () => (await system.api.rollout('checkout-shadow'))?.phase).toBe('rolled-back');
    const all = await decisions();
    expect(all.filter((d) => d.kind === 'rollback').map((d) => [d.shadow, d.specVersion])).toEqual([
      [false, 2],
      [true, 1],
    ]);
  }, 90_000);
});
