import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startRedis, type TestRedis } from '../testing/index.ts';
import { createRolloutStore, type RolloutStore } from './rollout-store.ts';

/** What a store suite works with; filled in by `useStoreSuite`'s `beforeAll`. */
export interface StoreSuite {
  server: TestRedis;
  redis: Redis;
  store: RolloutStore;
}

/**
 * Tests only: a private redis-server (no append-only file), a connection and a rollout store for the
 * suite, stopped after it; with `flushAfterEach` (the default) every test starts from an empty Redis.
 */
export function useStoreSuite(options: { flushAfterEach?: boolean } = {}): StoreSuite {
  const suite = {} as StoreSuite;
  beforeAll(async () => {
    suite.server = await startRedis({ appendonly: false });
    suite.redis = new Redis(suite.server.url);
    suite.store = createRolloutStore(suite.redis);
  });
  if (options.flushAfterEach ?? true) {
    afterEach(async () => {
      await suite.redis.flushall();
    });
  }
  afterAll(async () => {
    suite.redis.disconnect();
    await suite.server.stop();
  });
  return suite;
}
