import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { answersPing } from '../redis/redis-server.ts';
import { startRedis, type TestRedis } from './start-redis.ts';

const started: TestRedis[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((redis) => redis.stop()));
});

async function start(options?: Parameters<typeof startRedis>[0]) {
  const redis = await startRedis(options);
  started.push(redis);
  return redis;
}

async function withClient<T>(url: string, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return await use(client);
  } finally {
    client.disconnect();
  }
}

describe('startRedis', () => {
  it('answers on its own loopback port, never the default 6379', async () => {
    const redis = await start();
    expect(redis.port).not.toBe(6379);
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await withClient(redis.url, (client) => client.ping())).toBe('PONG');
  });

  it('keeps acknowledged writes across kill -9 and restart', async () => {
    const redis = await start();
    await withClient(redis.url, async (client) => {
      await client.set('rg:{demo}:spec', 'v1');
      await client.rpush('rg:{demo}:audit', 'created', 'started');
    });

    await redis.kill9();
    expect(await answersPing('127.0.0.1', redis.port)).toBe(false);
    await redis.restart();

    await withClient(redis.url, async (client) => {
      expect(await client.get('rg:{demo}:spec')).toBe('v1');
      expect(await client.lrange('rg:{demo}:audit', 0, -1)).toEqual(['created', 'started']);
    });
  });

  it('loses data on kill -9 when the append-only file is off', async () => {
    const redis = await start({ appendonly: false });
    await withClient(redis.url, (client) => client.set('k', 'v'));
    await redis.kill9();
    await redis.restart();
    expect(await withClient(redis.url, (client) => client.get('k'))).toBeNull();
  });

  it('restarts a running server gracefully, keeping its data', async () => {
    const redis = await start();
    await withClient(redis.url, (client) => client.set('k', 'v'));
    await redis.restart();
    expect(await withClient(redis.url, (client) => client.get('k'))).toBe('v');
  });

  it('flushAll empties every database', async () => {
    const redis = await start();
    await withClient(redis.url, (client) => client.set('k', 'v'));
    await redis.flushAll();
    expect(await withClient(redis.url, (client) => client.dbsize())).toBe(0);
  });

  it('stop() ends the process and removes its directory; a second stop() is harmless', async () => {
    const redis = await startRedis();
    expect(existsSync(redis.dir)).toBe(true);
    await redis.stop();
    expect(existsSync(redis.dir)).toBe(false);
    expect(await answersPing('127.0.0.1', redis.port)).toBe(false);
    await redis.stop();
  });

  it('runs several servers side by side, each with its own data', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    await withClient(a!.url, (client) => client.set('k', 'a'));
    expect(a!.port).not.toBe(b!.port);
    expect(await withClient(b!.url, (client) => client.get('k'))).toBeNull();
  });
});
