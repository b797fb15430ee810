import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, type TestPrometheus } from '../../packages/shared/src/testing/index.ts';
import { type E2eSystem, startSystem } from './e2e-kit.ts';

// Debian's prometheus (apt-get install prometheus; .ci/run installs it). Missing, the suite fails: it must not skip.

/** A service Prometheus scrapes: prom-client counters with the flag's cohort as a label. */
async function startTarget() {
  const registry = new Registry();
  const requests = new Counter({
    name: 'checkout_requests_total',
    help: 'Checkout requests',
    labelNames: ['feature_flag_key', 'feature_flag_result_variant'],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'checkout_errors_total',
    help: 'Checkout requests that failed',
    labelNames: ['feature_flag_key', 'feature_flag_result_variant'],
    registers: [registry],
  });
  const errorRate = { on: 0.01, off: 0.01 };
  let tick = 0;
  // 200 requests/s per cohort, errors as exact shares (every 100th request, or every 5th): no randomness.
  const timer = setInterval(() => {
    tick++;
    for (const variant of ['on', 'off'] as const) {
      const labels = { feature_flag_key: 'new-checkout', feature_flag_result_variant: variant };
      requests.inc(labels, 20);
      errors.inc(labels, Math.round(20 * errorRate[variant] * (tick % 5 === 0 ? 5 : 0)));
    }
  }, 100);
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    void registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': registry.contentType }).end(text);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    errorRate,
    async stop() {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function startScrapingPrometheus(targetPort: number, collectorUrl: string) {
  return startPrometheus({
    config: `global: { scrape_interval: 1s, scrape_timeout: 900ms }
scrape_configs:
  - job_name: checkout
    static_configs: [{ targets: ['127.0.0.1:${targetPort}'] }]
remote_write:
  - url: ${collectorUrl}/api/v1/write
    queue_config: { batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s }
`,
  });
}

const spec = (receiverUrl: string) => `apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: new-checkout }
spec:
  flag: new-checkout
  match: { job: checkout }
  waves:
    - { percent: 50, bake: 10m }
    - { percent: 100, bake: 10m }
  guardrails:
    - name: checkout-errors
      metric: { ratio: { numerator: checkout_errors_total, denominator: checkout_requests_total } }
      allowed: { max: 0.05 }
  actions:
    rollback: [{ url: "${receiverUrl}/rollback", secret: "env:ROLLBACK_SECRET" }]
`;

let system: E2eSystem;
let target: Awaited<ReturnType<typeof startTarget>>;
let prometheus: TestPrometheus;
beforeAll(async () => {
  system = await startSystem();
  target = await startTarget();
  prometheus = await startScrapingPrometheus(target.port, system.stack.collectorUrl);
}, 90_000);
afterAll(async () => {
  await prometheus?.stop();
  await target?.stop();
  await system?.stop();
});

describe("Debian's prometheus scraping a service and remote-writing to the collector", () => {
  it('holds while both cohorts fail 1% of checkouts, and rolls back once the treatment fails 25%', async () => {
    await system.api.putSpec('new-checkout', spec(system.receiver.url));
    await system.api.act('new-checkout', 'start', 'e2e: prometheus path');

    // A healthy stretch first: enough scrapes for the guardrail to be judged, and it must hold.
    const healthyUntil = Date.now() + 15_000;
    let judged = false;
    while (Date.now() < healthyUntil) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const view = await system.api.rollout('new-checkout');
      expect(view?.phase).toBe('wave');
      const check =
        (view?.raw.checks as { name: string; state: string; samples: { treatment: number } }[]) ?? [];
      const errorsCheck = check.find((c) => c.name === 'checkout-errors');
      if (errorsCheck !== undefined && errorsCheck.samples.treatment >= 100) judged = true;
    }
    expect(judged, `the guardrail never saw data; prometheus log:\n${prometheus.log()}`).toBe(true);
    expect(system.webhooks.filter((w) => w.type === 'rollout.rollback')).toEqual([]);

    target.errorRate.on = 0.25;
    const rollback = await system.webhook('rollout.rollback', 60_000);
    const reasons = rollback.body.data.reasons as { check: string; value: number; allowed: unknown }[];
    expect(reasons.map((r) => r.check)).toEqual(['checkout-errors']);
    expect(reasons[0]?.value).toBeGreaterThan(0.05);
    expect(reasons[0]?.allowed).toEqual({ max: 0.05 });
    expect(rollback.body.data.wave).toMatchObject({ index: 1, percent: 50 });

    const view = await system.api.rollout('new-checkout');
    expect(view?.phase).toBe('rolled-back');
    expect(system.receiver.rejected).toBe(0);
  }, 150_000);
});
