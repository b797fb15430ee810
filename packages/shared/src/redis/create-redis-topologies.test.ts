import { Queue, Worker } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultQueuePrefix } from '../jobs/queues.ts';
import {
  startRedisCluster,
  startRedisSentinel,
  type TestRedisCluster,
  type TestRedisSentinel,
} from '../testing/index.ts';
import { createRedis } from './create-redis.ts';
import { rolloutKeys } from './keys.ts';
import { closeRedis, waitUntilReady } from './ping.ts';

describe('createRedis through Sentinel', () => {
  let sentinel: TestRedisSentinel | undefined;
  beforeAll(async () => {
    sentinel = await startRedisSentinel();
  });
  afterAll(async () => {
    await sentinel?.stop();
  });

  it('asks the sentinel for the master and writes there', async () => {
    const client = createRedis(sentinel!.url, { role: 'producer' });
    const master = new Redis(sentinel!.master.url);
    try {
      expect(client).toBeInstanceOf(Redis);
      await waitUntilReady(client);
      await client.set('via', 'sentinel');
      expect(await master.get('via')).toBe('sentinel');
    } finally {
      master.disconnect();
      await closeRedis(client);
    }
  });
});

describe('createRedis on a Cluster', () => {
  let cluster: TestRedisCluster | undefined;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("runs one Lua script over all of a rollout's keys, whichever node holds them", async () => {
    const client = createRedis(cluster!.url, { role: 'producer' });
    try {
      expect(client).toBeInstanceOf(Cluster);
      await waitUntilReady(client);
      for (const rollout of ['checkout', 'search', 'copilot', 'billing']) {
        const keys = rolloutKeys(rollout);
        // Without the shared hash tag this is a CROSSSLOT error on a cluster.
        const written = await client.eval(
          "redis.call('SET', KEYS[1], ARGV[1]); redis.call('RPUSH', KEYS[2], ARGV[1]); return redis.call('GET', KEYS[1])",
          2,
          keys.state,
          keys.audit,
          rollout,
        );
        expect(written).toBe(rollout);
      }
      const holders = await Promise.all(
        cluster!.nodes.map(async (node) => {
          const direct = new Redis(node.url);
          try {
            return await direct.dbsize();
          } finally {
            direct.disconnect();
          }
        }),
      );
      // Rollouts spread across shards rather than all landing on one.
      expect(holders.filter((count) => count > 0).length).toBeGreaterThan(1);
    } finally {
      await closeRedis(client);
    }
  });

  it('runs a BullMQ queue and worker with the hash-tagged prefix', async () => {
    const producer = createRedis(cluster!.url, { role: 'producer' });
    const blocking = createRedis(cluster!.url, { role: 'worker' });
    await waitUntilReady(producer);
    const queue = new Queue('evaluate', { connection: producer, prefix: defaultQueuePrefix });
    let worker: Worker | undefined;
    const done = new Promise<unknown>((resolve) => {
      worker = new Worker('evaluate', async (job) => job.data, {
        connection: blocking,
        prefix: defaultQueuePrefix,
      });
      worker.on('completed', (_job, result) => resolve(result));
    });
    try {
      await queue.add('check', { rollout: 'demo' });
      expect(await done).toEqual({ rollout: 'demo' });
    } finally {
      await worker?.close();
      await queue.close();
      await closeRedis(producer);
      await closeRedis(blocking);
    }
  });
});
