import { Redis } from 'ioredis';
import { freePort } from '../redis/free-port.ts';
import { startRedis, type TestRedis } from './start-redis.ts';

/** A master watched by one Sentinel, reachable through a `redis+sentinel://` URL. */
export interface TestRedisSentinel {
  url: string;
  master: TestRedis;
  sentinel: TestRedis;
  stop(): Promise<void>;
}

export async function startRedisSentinel(masterName = 'mymaster'): Promise<TestRedisSentinel> {
  const master = await startRedis({ appendonly: false });
  const sentinel = await startRedis({
    appendonly: false,
    config: [
      `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 1`,
      `sentinel down-after-milliseconds ${masterName} 1000`,
      '',
    ].join('\n'),
    extraArgs: ['--sentinel'],
  });
  return {
    url: `redis+sentinel://127.0.0.1:${sentinel.port}/${masterName}`,
    master,
    sentinel,
    async stop() {
      await sentinel.stop();
      await master.stop();
    },
  };
}

/** A Redis Cluster of `size` masters (no replicas), every slot assigned, reachable through `redis+cluster://`. */
export interface TestRedisCluster {
  url: string;
  nodes: TestRedis[];
  stop(): Promise<void>;
}

const SLOTS = 16384;

export async function startRedisCluster(size = 3): Promise<TestRedisCluster> {
  const nodes: TestRedis[] = [];
  const busPorts: number[] = [];
  try {
    for (let i = 0; i < size; i++) {
      // The bus port is chosen too: the default (port + 10000) may be taken or above 65535.
      const busPort = await freePort();
      busPorts.push(busPort);
      nodes.push(
        await startRedis({
          appendonly: false,
          extraArgs: [
            '--cluster-enabled',
            'yes',
            '--cluster-port',
            String(busPort),
            '--cluster-node-timeout',
            '2000',
          ],
        }),
      );
    }
    const clients = nodes.map((node) => new Redis(node.url, { maxRetriesPerRequest: 1 }));
    try {
      await Promise.all(
        clients.map((client, i) => {
          const first = Math.floor((SLOTS * i) / size);
          const last = Math.floor((SLOTS * (i + 1)) / size) - 1;
          return client.call('CLUSTER', 'ADDSLOTSRANGE', String(first), String(last));
        }),
      );
      for (let i = 1; i < size; i++) {
        await clients[0]!.call('CLUSTER', 'MEET', '127.0.0.1', String(nodes[i]!.port), String(busPorts[i]));
      }
      await waitFor(async () => {
        const infos = await Promise.all(clients.map((client) => client.call('CLUSTER', 'INFO')));
        return infos.every((info) => String(info).includes('cluster_state:ok'));
      }, 15_000);
    } finally {
      for (const client of clients) client.disconnect();
    }
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop()));
    throw error;
  }
  return {
    url: `redis+cluster://${nodes.map((node) => `127.0.0.1:${node.port}`).join(',')}`,
    nodes,
    async stop() {
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Redis Cluster did not converge within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
