import { createLogger } from '@rollout-guard/shared/observability';
import { createRedis, globalKeys, type RedisClient, waitUntilReady } from '@rollout-guard/shared/redis';
import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ActiveRollouts, watchActiveRollouts } from './active-rollouts.ts';
import { activeRollout } from './ingest-test-kit.ts';

let server: TestRedis;
let redis: RedisClient;
let watcher: ActiveRollouts | undefined;
const logger = createLogger({ service: 'test', level: 'silent' });

beforeAll(async () => {
  server = await startRedis();
  redis = createRedis(server.url, { role: 'producer' });
  await waitUntilReady(redis);
});
afterEach(async () => {
  await watcher?.close();
  await server.flushAll();
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

const publish = async (name: string, metrics: string[]) => {
  await redis.hset(globalKeys.active, name, JSON.stringify(activeRollout({ name, metrics })));
  await redis.publish(globalKeys.changes, name);
};

describe('watchActiveRollouts', () => {
  it('follows rg:active at once through rg:changes, long before the poll', async () => {
    await publish('copilot', ['latency_seconds']);
    watcher = watchActiveRollouts({ redis, logger, pollMs: 60_000 });
    await expect.poll(() => watcher?.current()?.wantsMetric('latency_seconds')).toBe(true);
    await publish('search', ['errors_total']);
    await expect.poll(() => watcher?.current()?.wantsMetric('errors_total'), { timeout: 2000 }).toBe(true);
    await redis.hdel(globalKeys.active, 'copilot');
    await redis.publish(globalKeys.changes, 'copilot');
    await expect
      .poll(() => watcher?.current()?.wantsMetric('latency_seconds'), { timeout: 2000 })
      .toBe(false);
  });

  it('polls when a change was never published', async () => {
    watcher = watchActiveRollouts({ redis, logger, pollMs: 100 });
    await expect.poll(() => watcher?.current()).not.toBeNull();
    await redis.hset(
      globalKeys.active,
      'quiet',
      JSON.stringify(activeRollout({ name: 'quiet', metrics: ['m'] })),
    );
    await expect.poll(() => watcher?.current()?.wantsMetric('m'), { timeout: 2000 }).toBe(true);
  });

  it('keeps its matcher while rg:active is unchanged, so series are not matched again on every poll', async () => {
    await publish('copilot', ['latency_seconds']);
    await publish('search', ['errors_total']);
    watcher = watchActiveRollouts({ redis, logger, pollMs: 60_000 });
    await expect.poll(() => watcher?.current()?.wantsMetric('errors_total')).toBe(true);
    const first = watcher.current();
    await watcher.refresh();
    await redis.publish(globalKeys.changes, 'copilot');
    await watcher.refresh();
    expect(watcher.current()).toBe(first);
    await publish('copilot', ['latency_seconds', 'requests_total']);
    await watcher.refresh();
    expect(watcher.current()).not.toBe(first);
    expect(watcher.current()?.wantsMetric('requests_total')).toBe(true);
  });

  it('keeps its last view while Redis is away and follows changes again once it is back', async () => {
    await publish('copilot', ['latency_seconds']);
    watcher = watchActiveRollouts({ redis, logger, pollMs: 100 });
    await expect.poll(() => watcher?.current()?.wantsMetric('latency_seconds')).toBe(true);
    await server.kill9();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(watcher.current()?.wantsMetric('latency_seconds')).toBe(true);
    await server.restart();
    await waitUntilReady(redis, 10_000);
    await publish('search', ['errors_total']);
    await expect.poll(() => watcher?.current()?.wantsMetric('errors_total'), { timeout: 5000 }).toBe(true);
  });
});
