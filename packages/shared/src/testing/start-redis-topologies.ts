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

/**
 * A Redis Cluster of `size` masters, every slot assigned, reachable through `redis+cluster://`; with
 * `replicas`, that many replicas of each master, which take over when it dies (node timeout 2 s).
 */
export interface TestRedisCluster {
  url: string;
  /** Every node, masters first. */
  nodes: TestRedis[];
  masters: TestRedis[];
  replicas: TestRedis[];
  /** The node that serves `key`'s slot as master now (after a failover, a former replica). */
  masterOf(key: string): Promise<TestRedis>;
  stop(): Promise<void>;
}

const SLOTS = 16384;

export async function startRedisCluster(
  size = 3,
  options: { replicas?: number; appendonly?: boolean } = {},
): Promise<TestRedisCluster> {
  const replicasEach = options.replicas ?? 0;
  const nodes: TestRedis[] = [];
  const busPorts: number[] = [];
  try {
    for (let i = 0; i < size * (1 + replicasEach); i++) {
      // The bus port is chosen too: the default (port + 10000) may be taken or above 65535.
      const busPort = await freePort();
      busPorts.push(busPort);
      nodes.push(
        await startRedis({
          appendonly: options.appendonly ?? false,
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
        clients.slice(0, size).map((client, i) => {
          const first = Math.floor((SLOTS * i) / size);
          const last = Math.floor((SLOTS * (i + 1)) / size) - 1;
          return client.call('CLUSTER', 'ADDSLOTSRANGE', String(first), String(last));
        }),
      );
      for (let i = 1; i < nodes.length; i++) {
        await clients[0]!.call('CLUSTER', 'MEET', '127.0.0.1', String(nodes[i]!.port), String(busPorts[i]));
      }
      // A replica can follow its master only once it knows it: wait for every node to see every other.
      await waitFor(async () => {
        const views = await Promise.all(clients.map((client) => client.call('CLUSTER', 'NODES')));
        return views.every((view) => String(view).trim().split('\n').length === nodes.length);
      }, 15_000);
      const ids = await Promise.all(clients.slice(0, size).map((client) => client.call('CLUSTER', 'MYID')));
      for (let r = 0; r < size * replicasEach; r++) {
        await clients[size + r]!.call('CLUSTER', 'REPLICATE', String(ids[r % size]));
      }
      await waitFor(async () => {
        const infos = await Promise.all(clients.map((client) => client.call('CLUSTER', 'INFO')));
        const links = await Promise.all(
          clients.slice(size).map((client) => client.call('INFO', 'replication')),
        );
        return (
          infos.every((info) => String(info).includes('cluster_state:ok')) &&
          links.every((link) => String(link).includes('master_link_status:up'))
        );
      }, 20_000);
    } finally {
      for (const client of clients) client.disconnect();
    }
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop()));
    throw error;
  }
  return {
    url: `redis+cluster://${nodes
      .slice(0, size)
      .map((node) => `127.0.0.1:${node.port}`)
      .join(',')}`,
    nodes,
    masters: nodes.slice(0, size),
    replicas: nodes.slice(size),
    async masterOf(key) {
      for (const node of nodes) {
        const client = new Redis(node.url, {
          maxRetriesPerRequest: 0,
          lazyConnect: true,
          retryStrategy: () => null,
        });
        try {
          await client.connect();
          const slot = Number(await client.call('CLUSTER', 'KEYSLOT', key));
          const ranges = (await client.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
          const owner = ranges.find(([first, last]) => slot >= first && slot <= last)?.[2][1];
          const found = nodes.find((candidate) => candidate.port === Number(owner));
          if (found !== undefined) return found;
        } catch {
          // a dead node: ask the next
        } finally {
          client.disconnect();
        }
      }
      throw new Error(`no live node of the cluster knows which master serves ${key}`);
    },
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
