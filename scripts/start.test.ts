import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { answersPing, launchRedisServer } from '../packages/shared/src/redis/index.ts';
import {
  environmentOf,
  freePort,
  jsonLine,
  type SpawnedProcess,
  spawnTs,
  startRedis,
} from '../packages/shared/src/testing/index.ts';
import { SERVICE_ENVIRONMENT } from './service-node-flags.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDirs: string[] = [];
const processes: SpawnedProcess[] = [];

afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.kill()));
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function start(env: Record<string, string>) {
  const { REDIS_URL: _ignored, ...inherited } = process.env;
  const started = spawnTs({ args: ['scripts/start.ts'], cwd: root, env: { ...inherited, ...env } });
  processes.push(started);
  return started;
}

const logged = (msg: string) => (line: string) => jsonLine(line)?.msg === msg;

describe('pnpm start', () => {
  it('without REDIS_URL runs a private redis-server under DATA_DIR, both services (with the project service environment), and stops Redis last', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rollout-guard-start-'));
    dataDirs.push(dataDir);
    const [port, healthPort] = [await freePort(), await freePort()];
    const started = start({ DATA_DIR: dataDir, PORT: String(port), HEALTH_PORT: String(healthPort) });

    const redisLine = jsonLine(
      await started.waitForLine((line) => String(jsonLine(line)?.msg).startsWith('REDIS_URL is not set')),
    );
    expect(redisLine).toMatchObject({ service: 'start', dir: join(dataDir, 'redis') });
    const redisPort = Number(redisLine?.port);
    const pidOf = async (msg: string) => Number(jsonLine(await started.waitForLine(logged(msg)))?.pid);
    const collectorPid = await pidOf('collector listening');
    const evaluatorPid = await pidOf('evaluator health server listening');
    expect(environmentOf(collectorPid)).toMatchObject(SERVICE_ENVIRONMENT.collector);
    expect(environmentOf(evaluatorPid)).toMatchObject(SERVICE_ENVIRONMENT.evaluator);

    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${healthPort}/healthz`)).status).toBe(200);
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status).toBe(200);
    expect(existsSync(join(dataDir, 'redis', 'appendonlydir'))).toBe(true);

    started.child.kill('SIGINT');
    expect(await started.exited).toBe(0);
    expect(await answersPing('127.0.0.1', redisPort)).toBe(false);
    const order = started.lines
      .map((line) => jsonLine(line))
      .filter((line) => line?.msg === 'stopped' || line?.msg === 'private redis-server stopped');
    expect(order.map((line) => `${line?.service} ${line?.msg}`)).toEqual([
      expect.stringMatching(/^rollout-guard-(collector|evaluator) stopped$/),
      expect.stringMatching(/^rollout-guard-(collector|evaluator) stopped$/),
      'start private redis-server stopped',
      'start stopped',
    ]);
  });

  it('stops a private redis-server that an earlier, killed run left on the same data', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rollout-guard-start-'));
    dataDirs.push(dataDir);
    const dir = join(dataDir, 'redis');
    mkdirSync(dir);
    const leftover = await launchRedisServer({
      port: await freePort(),
      dir,
      pidfile: join(dir, 'redis-server.pid'),
    });
    const [port, healthPort] = [await freePort(), await freePort()];
    const started = start({ DATA_DIR: dataDir, PORT: String(port), HEALTH_PORT: String(healthPort) });

    expect(
      jsonLine(
        await started.waitForLine(
          logged('stopping a private redis-server left running by an earlier pnpm start'),
        ),
      ),
    ).toMatchObject({ redisPid: leftover.child.pid });
    expect(await leftover.exited).toBe(0);
    await started.waitForLine(logged('collector listening'));
    await started.waitForLine(logged('evaluator health server listening'));
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
  });

  it('with REDIS_URL set uses that Redis and starts none of its own', async () => {
    const redis = await startRedis();
    try {
      const [port, healthPort] = [await freePort(), await freePort()];
      const started = start({ REDIS_URL: redis.url, PORT: String(port), HEALTH_PORT: String(healthPort) });
      expect(jsonLine(await started.waitForLine(logged('using REDIS_URL')))).toMatchObject({
        redis: redis.url,
      });
      await started.waitForLine(logged('collector listening'));
      await started.waitForLine(logged('evaluator health server listening'));
      await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      started.child.kill('SIGTERM');
      expect(await started.exited).toBe(0);
      expect(started.lines.some((line) => line.includes('private redis-server'))).toBe(false);
    } finally {
      await redis.stop();
    }
  });

  it('restarts a service that exits on its own, logged, and keeps the other running', async () => {
    const redis = await startRedis();
    try {
      const [port, healthPort] = [await freePort(), await freePort()];
      const started = start({ REDIS_URL: redis.url, PORT: String(port), HEALTH_PORT: String(healthPort) });
      const listening = jsonLine(await started.waitForLine(logged('collector listening')));
      await started.waitForLine(logged('evaluator health server listening'));
      process.kill(Number(listening?.pid), 'SIGKILL');
      expect(
        jsonLine(await started.waitForLine(logged('a service exited on its own: restarting it'))),
      ).toMatchObject({ service: 'collector', code: 1, restartInMs: 1000 });
      await started.waitForLine(logged('service restarted'));
      await expect
        .poll(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status, { timeout: 20_000 })
        .toBe(200);
      expect((await fetch(`http://127.0.0.1:${healthPort}/healthz`)).status).toBe(200);
      started.child.kill('SIGTERM');
      expect(await started.exited).toBe(0);
    } finally {
      await redis.stop();
    }
  });

  it('with neither REDIS_URL nor redis-server on the PATH exits 1 with one line saying what to do', async () => {
    const emptyPath = mkdtempSync(join(tmpdir(), 'rollout-guard-path-'));
    dataDirs.push(emptyPath);
    const started = start({ PATH: emptyPath, DATA_DIR: join(emptyPath, 'data') });
    expect(await started.exited).toBe(1);
    expect(started.lines).toEqual([
      'rollout-guard needs Redis 7: install redis-server (apt-get install redis-server, or brew install redis) or set REDIS_URL=redis://host:6379',
    ]);
  });
});
