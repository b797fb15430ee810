import { fileURLToPath } from 'node:url';
import { freePort, jsonLine, useServiceProcesses } from '@rollout-guard/shared/testing';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('the evaluator process', () => {
  const suite = useServiceProcesses(main, root);

  it('serves /healthz, /readyz and /metrics, logs JSON lines, and exits 0 within 5 s of SIGTERM', async () => {
    const port = await freePort();
    const evaluator = suite.start({ HEALTH_PORT: String(port), REDIS_URL: suite.redis.url });
    const listening = jsonLine(
      await evaluator.waitForLine((line) => jsonLine(line)?.msg === 'evaluator health server listening'),
    );
    expect(listening).toMatchObject({
      level: 'info',
      service: 'rollout-guard-evaluator',
      host: '127.0.0.1',
      port,
    });

    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('rollout_guard_build_info{version="0.1.0",service="rollout-guard-evaluator"');
    expect(metrics).toContain('nodejs_heap_size_used_bytes');

    const started = Date.now();
    evaluator.child.kill('SIGTERM');
    expect(await evaluator.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(evaluator.lines.every((line) => jsonLine(line) !== undefined)).toBe(true);
  });

  it('reports not ready while Redis is down and ready again once it is back', async () => {
    const port = await freePort();
    const evaluator = suite.start({ HEALTH_PORT: String(port), REDIS_URL: suite.redis.url });
    await evaluator.waitForLine((line) => jsonLine(line)?.msg === 'evaluator health server listening');
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

    await suite.redis.kill9();
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    await suite.redis.restart();
    await expect
      .poll(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status, { timeout: 5000 })
      .toBe(200);

    evaluator.child.kill('SIGTERM');
    expect(await evaluator.exited).toBe(0);
  });

  it.each([
    ['HEALTH_PORT', '99999', 'is not a port; expected a whole number from 0 to 65535 (0 picks a free one)'],
    ['WATCHDOG_STUCK_AFTER_MS', '0', 'is not a positive whole number of milliseconds'],
    ['WATCHDOG_INTERVAL_MS', '5s', 'is not a positive whole number of milliseconds'],
  ])('refuses a bad %s (%s) with one readable message and exit 1', async (variable, value, problem) => {
    const evaluator = suite.start({ [variable]: value });
    expect(await evaluator.exited).toBe(1);
    expect(evaluator.lines).toEqual([
      "The evaluator's environment has 1 problem:",
      `  ${variable}: "${value}" ${problem}`,
    ]);
  });
});
