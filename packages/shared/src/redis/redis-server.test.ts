import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './free-port.ts';
import { answersPing, launchRedisServer, RedisServerNotFoundError, stopRedisServer } from './redis-server.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'rollout-guard-redis-server-'));
  dirs.push(dir);
  return dir;
}

describe('launchRedisServer', () => {
  it('resolves once the server answers PING, and stops it', async () => {
    const server = await launchRedisServer({ port: await freePort(), dir: tempDir() });
    expect(await answersPing('127.0.0.1', server.port)).toBe(true);
    await stopRedisServer(server);
    expect(await answersPing('127.0.0.1', server.port)).toBe(false);
  });

  it('says so when redis-server is not on the PATH', async () => {
    const launch = launchRedisServer({ port: await freePort(), dir: tempDir(), env: { PATH: tempDir() } });
    await expect(launch).rejects.toThrow(RedisServerNotFoundError);
    await expect(launch).rejects.toThrow('redis-server was not found on the PATH');
  });

  it('rejects with what redis-server printed when it cannot start', async () => {
    await expect(
      launchRedisServer({ port: await freePort(), dir: join(tempDir(), 'missing') }),
    ).rejects.toThrow(/exited before it was ready:[\s\S]*missing/);
  });
});
