import { Cluster } from 'ioredis';
import { rolloutKey } from '../redis/keys.ts';
import type { RedisConnection } from './lua-script.ts';

/**
 * Every key of one rollout (`rg:{<name>}:*`). On a Cluster they share one slot, but which node
 * holds it is the Cluster's business: each master is scanned, and only the owner answers.
 */
export async function scanRolloutKeys(redis: RedisConnection, name: string): Promise<string[]> {
  const match = `${rolloutKey(name)}:*`;
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const found = new Set<string>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      for (const key of keys) found.add(key);
      cursor = next;
    } while (cursor !== '0');
  }
  return [...found];
}

/** Removes keys in batches; the keys of one rollout share a slot, so one UNLINK takes many. */
export async function unlinkKeys(redis: RedisConnection, keys: readonly string[]): Promise<number> {
  let removed = 0;
  for (let i = 0; i < keys.length; i += 500) removed += await redis.unlink(...keys.slice(i, i + 500));
  return removed;
}
