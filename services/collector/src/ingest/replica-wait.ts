import type { RedisClient } from '@rollout-guard/shared/redis';
import { Cluster } from 'ioredis';

/** The batch is written on the master but fewer replicas than asked for confirmed it in time. */
export class ReplicaWaitError extends Error {
  override name = 'ReplicaWaitError';
}

/**
 * `WAIT replicas timeoutMs` after an ingest: blocks until that many replicas have every write this
 * connection sent, so that an acknowledged batch survives its master's failover. WAIT has no key and
 * counts the writes of the connection it runs on, so on a Cluster it is sent in a pipeline behind a
 * read of a key the batch wrote: the pipeline goes to that key's master, on the connection the
 * ingest script used. Throws `ReplicaWaitError` when too few replicas answered.
 */
export async function waitForReplicas(
  redis: RedisClient,
  keys: readonly string[],
  replicas: number,
  timeoutMs: number,
): Promise<void> {
  const counts: number[] = [];
  if (redis instanceof Cluster) {
    // One WAIT per master the batch touched: keys of one slot share it, so one per key is at most that.
    const results = await Promise.all(
      keys.map((key) => redis.pipeline().exists(key).wait(replicas, timeoutMs).exec()),
    );
    for (const result of results) {
      const [error, count] = result?.[1] ?? [new Error('no answer to WAIT'), 0];
      if (error) throw error;
      counts.push(Number(count));
    }
  } else if (keys.length > 0) {
    counts.push(Number(await redis.wait(replicas, timeoutMs)));
  }
  const fewest = Math.min(...counts);
  if (counts.length > 0 && fewest < replicas) {
    throw new ReplicaWaitError(
      `the batch reached ${fewest} of the ${replicas} replicas asked for (INGEST_WAIT_REPLICAS) within ${timeoutMs} ms`,
    );
  }
}
