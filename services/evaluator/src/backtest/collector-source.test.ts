import { bucketKey, FIELD } from '@rollout-guard/shared/store';
import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorSource } from './collector-source.ts';
import { replay } from './replay.ts';
import { errorRatioSpec } from './spec-fixture.ts';

const MINUTE = 60_000;
const NOW = Math.floor(Date.now() / 10_000) * 10_000;
const FROM = NOW - 40 * MINUTE;
const BREACH_AT = FROM + 10 * MINUTE;

let server: TestRedis;
let redis: Redis;
beforeAll(async () => {
  server = await startRedis({ appendonly: false });
  redis = new Redis(server.url);
  // The collector's 10 s buckets of one rollout: 300 requests per cohort each; errors 1%, the treatment's
  // 6% from ten minutes in.
  const pipeline = redis.pipeline();
  for (let at = FROM; at < NOW; at += 10_000) {
    for (const cohort of ['treatment', 'control'] as const) {
      const errors = cohort === 'treatment' && at >= BREACH_AT ? 18 : 3;
      pipeline.hset(bucketKey('recorded', '10s', 'requests_total', cohort, at), FIELD.counterIncrease, '300');
      pipeline.hset(
        bucketKey('recorded', '10s', 'errors_total', cohort, at),
        FIELD.counterIncrease,
        String(errors),
      );
    }
  }
  await pipeline.exec();
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe("a backtest from the collector's stored buckets", () => {
  it('replays a rollout’s recorded data and rolls back after the breach', async () => {
    const spec = errorRatioSpec('recorded', '1h');

    const source = collectorSource(redis, 'recorded', NOW);
    expect(await source.read('requests_total', 'treatment', FROM, FROM + MINUTE, 'counter')).toEqual({
      kind: 'counter',
      increase: 1800,
      resets: 0,
    });
    const result = await replay({ spec, from: FROM, to: NOW, intervalMs: 30_000, source });
    expect(result.phase).toBe('rolled-back');
    const [wave] = result.waves;
    expect(wave).toMatchObject({ outcome: 'rolled-back' });
    expect(wave!.endedAt! - BREACH_AT).toBeGreaterThan(0);
    expect(wave!.endedAt! - BREACH_AT).toBeLessThan(10 * MINUTE);
  });
});
