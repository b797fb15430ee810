import { createRedis, globalKeys, type RedisClient, waitUntilReady } from '@rollout-guard/shared/redis';
import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrapeLeases } from './scrape-lease.ts';

let server: TestRedis;
let redis: RedisClient;

beforeAll(async () => {
  server = await startRedis({ appendonly: false });
  redis = createRedis(server.url, { role: 'producer', commandTimeoutMs: 1000 });
  await waitUntilReady(redis);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe('scrape leases', () => {
  it('one replica holds a target; the other gets it once released', async () => {
    const a = scrapeLeases(redis, 'replica-a');
    const b = scrapeLeases(redis, 'replica-b');
    expect(await a.hold('t1', 10_000)).toBe(true);
    expect(await b.hold('t1', 10_000)).toBe(false);
    expect(await a.hold('t1', 10_000)).toBe(true); // renewed
    await b.release('t1'); // not b's: nothing happens
    expect(await redis.get(globalKeys.scrapeLease('t1'))).toBe('replica-a');
    await a.release('t1');
    expect(await b.hold('t1', 10_000)).toBe(true);
    expect(await a.hold('t1', 10_000)).toBe(false);
  });

  it('an expired lease goes to the next replica that asks, and the old holder cannot renew it', async () => {
    const a = scrapeLeases(redis, 'replica-a');
    const b = scrapeLeases(redis, 'replica-b');
    expect(await a.hold('t2', 50)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await b.hold('t2', 10_000)).toBe(true);
    expect(await a.hold('t2', 10_000)).toBe(false);
    expect(await redis.pttl(globalKeys.scrapeLease('t2'))).toBeGreaterThan(9_000);
  });
});
