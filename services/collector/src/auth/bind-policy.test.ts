import { fileURLToPath } from 'node:url';
import { freePort, jsonLine, spawnTs, startRedis } from '@rollout-guard/shared/testing';
import { describe, expect, it } from 'vitest';
import { bindDecision, isLoopback } from './bind-policy.ts';

describe('where the collector may listen', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.5', false],
    ['collector.internal', false],
  ])('%s is loopback: %s', (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });

  it.each([
    ['127.0.0.1', 0, false, { ok: true, open: true }],
    ['0.0.0.0', 2, false, { ok: true, open: false }],
    ['0.0.0.0', 0, true, { ok: true, open: true }],
    ['0.0.0.0', 0, false, { ok: false }],
  ])('HOST=%s with %i tokens, ALLOW_OPEN=%s', (host, tokens, allowOpen, expected) => {
    expect(bindDecision(host, tokens, allowOpen)).toMatchObject(expected);
  });

  it('the collector process refuses a non-loopback HOST without tokens, and says it runs open on loopback', async () => {
    const main = fileURLToPath(new URL('../main.ts', import.meta.url));
    const { REDIS_URL: _ignored, ...env } = process.env;
    const redis = await startRedis({ appendonly: false });
    try {
      const refused = spawnTs({
        args: [main],
        env: { ...env, HOST: '0.0.0.0', PORT: '0', REDIS_URL: redis.url },
      });
      expect(await refused.exited).toBe(1);
      expect(refused.lines.join('\n')).toContain(
        'HOST=0.0.0.0 is not a loopback address and no API tokens are configured',
      );

      const port = await freePort();
      const open = spawnTs({ args: [main], env: { ...env, PORT: String(port), REDIS_URL: redis.url } });
      const line = await open.waitForLine((l) =>
        String(jsonLine(l)?.msg ?? '').startsWith('no API tokens configured'),
      );
      expect(jsonLine(line)).toMatchObject({ level: 'warn', host: '127.0.0.1' });
      open.child.kill('SIGTERM');
      expect(await open.exited).toBe(0);

      const allowed = spawnTs({
        args: [main],
        env: { ...env, HOST: '0.0.0.0', PORT: '0', REDIS_URL: redis.url, ALLOW_OPEN: 'true' },
      });
      await allowed.waitForLine((l) => String(jsonLine(l)?.msg ?? '').includes('ALLOW_OPEN=true'));
      allowed.child.kill('SIGTERM');
      expect(await allowed.exited).toBe(0);
    } finally {
      await redis.stop();
    }
  });
});
