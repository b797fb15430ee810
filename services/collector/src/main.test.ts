import { fileURLToPath } from 'node:url';
import { freePort, jsonLine, useServiceProcesses } from '@rollout-guard/shared/testing';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('the collector process', () => {
  const suite = useServiceProcesses(main, root);

  it('serves /healthz and /readyz, logs JSON lines, and exits 0 within 5 s of SIGTERM', async () => {
    const port = await freePort();
    const collector = suite.start({ PORT: String(port), REDIS_URL: suite.redis.url });
    const listening = jsonLine(
      await collector.waitForLine((line) => jsonLine(line)?.msg === 'collector listening'),
    );
    expect(listening).toMatchObject({
      level: 'info',
      service: 'rollout-guard-collector',
      host: '127.0.0.1',
      port,
    });

    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toContain(
      'rollout_guard_build_info',
    );

    const started = Date.now();
    collector.child.kill('SIGTERM');
    expect(await collector.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(collector.lines.every((line) => jsonLine(line) !== undefined)).toBe(true);
    expect(collector.lines.map((line) => jsonLine(line)?.msg)).toContain('stopped');
  });

  it('applies the ingest size limits it is configured with', async () => {
    const port = await freePort();
    const collector = suite.start({
      PORT: String(port),
      REDIS_URL: suite.redis.url,
      INGEST_MAX_BODY_BYTES: '1024',
      INGEST_MAX_DECOMPRESSED_BYTES: '1024',
    });
    await collector.waitForLine((line) => jsonLine(line)?.msg === 'collector listening');
    const post = (bytes: number) =>
      fetch(`http://127.0.0.1:${port}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ resourceMetrics: [], padding: 'x'.repeat(bytes) }),
      });
    // Until its first view of the active rollouts loads, ingest answers 503 (retry later).
    await expect.poll(async () => (await post(2048)).status).toBe(413);
    expect((await post(10)).status).toBe(200);
  });

  it('starts without Redis, says it is not ready, and still stops cleanly', async () => {
    const port = await freePort();
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const collector = suite.start({ PORT: String(port), REDIS_URL: deadRedis });
    await collector.waitForLine((line) => jsonLine(line)?.msg === 'collector listening');
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      status: 'unavailable',
      reason: expect.stringContaining('Redis'),
    });

    const started = Date.now();
    collector.child.kill('SIGINT');
    expect(await collector.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses a bad environment with one readable message and exit 1', async () => {
    const collector = suite.start({ PORT: 'http', LOG_LEVEL: 'loud' });
    expect(await collector.exited).toBe(1);
    expect(collector.lines).toEqual([
      "The collector's environment has 2 problems:",
      '  PORT: "http" is not a port; expected a whole number from 0 to 65535 (0 picks a free one)',
      '  LOG_LEVEL: "loud" is not a log level; expected one of fatal, error, warn, info, debug, trace, silent',
    ]);
  });
});
