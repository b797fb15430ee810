import { createRedis } from '@rollout-guard/shared/redis';
import { startRedis } from '@rollout-guard/shared/testing';

/** A Redis (append-only, as the stack's own) with `replicas` replicas following it, all up and linked. */
export async function startReplicatedRedis(replicas: number) {
  const master = await startRedis({ appendonly: true });
  const followers = await Promise.all(
    Array.from({ length: replicas }, () =>
      startRedis({ appendonly: false, extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] }),
    ),
  );
  const deadline = Date.now() + 30_000;
  // Online, not just connected: WAIT counts a replica only once its first sync is done.
  const online = async () =>
    (await withRedis(master.url, (redis) => redis.info('replication'))).split('state=online').length - 1;
  while ((await online()) < replicas) {
    if (Date.now() > deadline) throw new Error(`the ${replicas} replicas were not online within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url: master.url,
    async stop() {
      await Promise.all(followers.map((follower) => follower.stop()));
      await master.stop();
    },
  };
}

/** Runs `use` on a connection of its own, closed after. */
export async function withRedis<T>(
  redisUrl: string,
  use: (redis: ReturnType<typeof createRedis>) => Promise<T>,
): Promise<T> {
  const redis = createRedis(redisUrl, { role: 'worker' });
  try {
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/** Redis's own CPU time so far (user + system), in ms, from INFO. */
export async function redisCpuMs(redisUrl: string): Promise<number> {
  const info = await withRedis(redisUrl, (redis) => redis.info('cpu'));
  const field = (name: string) => Number(new RegExp(`^used_cpu_${name}:([\\d.]+)`, 'm').exec(info)?.[1]);
  return (field('user') + field('sys')) * 1000;
}
