import { globalKeys, type RedisClient } from '@rollout-guard/shared/redis';

// Renew only what this replica holds: a lease that expired and went to another must stay theirs.
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Which collector replica scrapes a target: the one holding its lease in Redis. Without it, every
 * replica would scrape every target and gauges would be sampled once per replica.
 */
export interface ScrapeLeases {
  /** This replica's id: the lease's value. */
  readonly owner: string;
  /** Takes the lease when free (`SET NX PX`) or renews it when held; false when another replica holds it. */
  hold(targetKey: string, ttlMs: number): Promise<boolean>;
  /** Lets another replica take over at once (on shutdown, or when the target is no longer listed). */
  release(targetKey: string): Promise<void>;
}

export function scrapeLeases(redis: RedisClient, owner: string): ScrapeLeases {
  return {
    owner,
    async hold(targetKey, ttlMs) {
      const key = globalKeys.scrapeLease(targetKey);
      const ttl = Math.max(1, Math.round(ttlMs));
      if ((await redis.set(key, owner, 'PX', ttl, 'NX')) === 'OK') return true;
      return (await redis.eval(RENEW, 1, key, owner, ttl)) === 1;
    },
    async release(targetKey) {
      await redis.eval(RELEASE, 1, globalKeys.scrapeLease(targetKey), owner);
    },
  };
}
