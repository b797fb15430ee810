import { Queue, Worker } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultQueuePrefix } from '../jobs/queues.ts';
import { startRedis, type TestRedis } from '../testing/index.ts';
import { connectionOptions, createRedis, reconnectDelay } from './create-redis.ts';
import { closeRedis, pingRedis, waitUntilReady } from './ping.ts';
import { parseRedisUrl } from './redis-url.ts';

describe('connectionOptions', () => {
  const target = parseRedisUrl('rediss://app:pw@h:6380');

  it('lets worker commands wait through an outage, as BullMQ requires', () => {
    expect(connectionOptions(target, { role: 'worker' })).toMatchObject({
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
    });
  });

  it('makes producer commands fail fast while Redis is away', () => {
    const options = connectionOptions(target, { role: 'producer', commandTimeoutMs: 500 });
    expect(options).toMatchObject({
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 500,
    });
  });

  it('carries auth, TLS and the connection name', () => {
    expect(connectionOptions(target, { role: 'producer', name: 'collector' })).toMatchObject({
      username: 'app',
      password: 'pw',
      tls: {},
      connectionName: 'rollout-guard:collector',
    });
  });

  it('backs off up to 2 s and never gives up', () => {
    expect([1, 2, 3, 5, 50].map(reconnectDelay)).toEqual([100, 200, 400, 1600, 2000]);
  });
});

describe('createRedis', () => {
  it('builds a Cluster client for redis+cluster URLs and a sentinel-backed Redis for sentinel ones', async () => {
    const cluster = createRedis('redis+cluster://127.0.0.1:1,127.0.0.1:2', {
      role: 'producer',
      lazyConnect: true,
    });
    const sentinel = createRedis('redis+sentinel://127.0.0.1:1/mymaster', {
      role: 'worker',
      lazyConnect: true,
    });
    try {
      expect(cluster).toBeInstanceOf(Cluster);
      expect(sentinel).toBeInstanceOf(Redis);
      expect((sentinel as Redis).options).toMatchObject({
        name: 'mymaster',
        sentinels: [{ host: '127.0.0.1', port: 1 }],
      });
    } finally {
      cluster.disconnect();
      sentinel.disconnect();
    }
  });
});

describe('createRedis against a real redis-server', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('connects, selects the database of the URL, and closes', async () => {
    const client = createRedis(`${redis.url}/2`, { role: 'producer', name: 'test' });
    try {
      await waitUntilReady(client);
      await client.set('k', 'in-db-2');
      expect(await pingRedis(client)).toMatchObject({ ok: true });
      const other = createRedis(redis.url, { role: 'producer' });
      await waitUntilReady(other);
      expect(await other.get('k')).toBeNull();
      await closeRedis(other);
      expect(await client.client('GETNAME')).toBe('rollout-guard:test');
    } finally {
      await closeRedis(client);
    }
    await expect.poll(() => client.status).toBe('end');
  });

  it('runs a BullMQ queue and worker with the hash-tagged prefix', async () => {
    const producer = createRedis(redis.url, { role: 'producer' });
    const blocking = createRedis(redis.url, { role: 'worker' });
    const queue = new Queue('evaluate', { connection: producer, prefix: defaultQueuePrefix });
    const done = new Promise<unknown>((resolve) => {
      const worker = new Worker('evaluate', async (job) => job.data, {
        connection: blocking,
        prefix: defaultQueuePrefix,
      });
      worker.on('completed', (_job, result) => {
        void worker.close().then(() => resolve(result));
      });
    });
    try {
      await queue.add('check', { rollout: 'demo' });
      expect(await done).toEqual({ rollout: 'demo' });
      expect(await producer.keys('{rollout-guard}:evaluate:*')).not.toHaveLength(0);
    } finally {
      await queue.close();
      await closeRedis(producer);
      await closeRedis(blocking);
    }
  });

  it('fails producer commands at once while Redis is down, and recovers when it returns', async () => {
    const logged: string[][] = [];
    const logger = {
      warn: (_fields: object, message: string) => logged.push(['warn', message]),
      info: (_fields: object, message: string) => logged.push(['info', message]),
    };
    const client = createRedis(redis.url, { role: 'producer', logger });
    try {
      await waitUntilReady(client);
      expect(await pingRedis(client)).toMatchObject({ ok: true });
      await redis.kill9();
      const started = Date.now();
      await expect(client.set('k', 'v')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(1000);
      const ping = await pingRedis(client, 300);
      expect(ping.ok).toBe(false);
      await expect.poll(() => logged).toEqual([['warn', 'Redis connection error; reconnecting']]);

      await redis.restart();
      await expect.poll(async () => (await pingRedis(client, 300)).ok, { timeout: 5000 }).toBe(true);
      expect(logged).toEqual([
        ['warn', 'Redis connection error; reconnecting'],
        ['info', 'Redis connection is back'],
      ]);
    } finally {
      await closeRedis(client);
    }
  });
});

describe('waitUntilReady', () => {
  it('gives up with a message when Redis never comes', async () => {
    const client = createRedis('redis://127.0.0.1:1', { role: 'producer' });
    try {
      await expect(waitUntilReady(client, 200)).rejects.toThrow('Redis was not ready within 200 ms');
      expect((await pingRedis(client, 200)).ok).toBe(false);
    } finally {
      await closeRedis(client);
    }
  });
});
