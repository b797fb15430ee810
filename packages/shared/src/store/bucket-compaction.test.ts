import { describe, expect, it } from 'vitest';
import type { ActiveRollout } from './active-view.ts';
import {
  BUCKET_SETTLE_MS,
  COMPACTION_SPAN_MS,
  compactSettledBuckets,
  settledBucketKeys,
} from './bucket-compaction.ts';
import { bucketKey } from './buckets.ts';
import { useStoreSuite } from './store-test-kit.ts';
import { tableBucket as makeTableBucket } from './test-rollouts.ts';

const suite = useStoreSuite();

const view: ActiveRollout = {
  name: 'gauged',
  specVersion: 1,
  flag: 'gauged',
  match: {},
  cohorts: { treatment: {}, control: {} } as unknown as ActiveRollout['cohorts'],
  metrics: ['queue_depth', 'requests_total'],
  phase: 'wave',
  waveIndex: 1,
  waveEpoch: 1,
  waveStartedAt: 0,
};
const HOUR = 3_600_000;
const now = 10 * HOUR + 35_000; // 10:00:35: the settled edge is 10:00:15

const tableBucket = (key: string, fields: number) => makeTableBucket(suite.redis, key, fields);

describe('settledBucketKeys', () => {
  it('lists the buckets that ended in the span before the settled edge, for every metric and cohort', () => {
    const keys = settledBucketKeys(view, now);
    const ended = (resolution: string, start: number) =>
      keys.includes(bucketKey('gauged', resolution, 'queue_depth', 'treatment', start));
    // 10 s buckets ending in (09:59:15, 10:00:15]: 09:59:20 … 10:00:10, six of them.
    expect(now - BUCKET_SETTLE_MS - COMPACTION_SPAN_MS).toBe(10 * HOUR - 45_000);
    expect(ended('10s', 10 * HOUR)).toBe(true); // ends 10:00:10
    expect(ended('10s', 10 * HOUR - 50_000)).toBe(true); // ends 09:59:20
    expect(ended('10s', 10 * HOUR + 10_000)).toBe(false); // ends 10:00:20, after the edge
    expect(ended('10s', 10 * HOUR - 60_000)).toBe(false); // ends 09:59:10, before the span
    // The hour and five minutes ending at 10:00 are inside the span.
    expect(ended('1h', 9 * HOUR)).toBe(true);
    expect(ended('5m', 10 * HOUR - 300_000)).toBe(true);
    // 6 ten-second buckets + one 5 min + one 1 h bucket, for 2 metrics and 3 cohorts.
    expect(keys).toHaveLength((6 + 1 + 1) * 2 * 3);
    // An hour later, no hour bucket has just ended.
    expect(settledBucketKeys(view, now + 30 * 60_000).some((key) => key.includes(':1h:'))).toBe(false);
  });
});

describe('compactSettledBuckets', () => {
  it('gives settled table buckets their listpack back, with every field, value and TTL', async () => {
    const settled = bucketKey('gauged', '10s', 'queue_depth', 'treatment', 10 * HOUR);
    const writing = bucketKey('gauged', '10s', 'queue_depth', 'treatment', 10 * HOUR + 30_000);
    const huge = bucketKey('gauged', '10s', 'queue_depth', 'control', 10 * HOUR);
    await tableBucket(settled, 300);
    await tableBucket(writing, 300);
    await tableBucket(huge, 600);
    const before = await suite.redis.hgetall(settled);
    const memoryBefore = Number(await suite.redis.memory('USAGE', settled));

    expect(await compactSettledBuckets(suite.redis, view, now)).toBe(1);
    expect(await suite.redis.object('ENCODING', settled)).toBe('listpack');
    expect(await suite.redis.hgetall(settled)).toEqual(before);
    expect(await suite.redis.ttl(settled)).toBeGreaterThan(590);
    expect(Number(await suite.redis.memory('USAGE', settled))).toBeLessThan(memoryBefore / 3);
    // The bucket still written to, and one past hash-max-listpack-entries, stay tables.
    expect(await suite.redis.object('ENCODING', writing)).toBe('hashtable');
    expect(await suite.redis.object('ENCODING', huge)).toBe('hashtable');
    // A second sweep finds nothing to do.
    expect(await compactSettledBuckets(suite.redis, view, now)).toBe(0);
  });

  it('keeps a bucket without a TTL without one', async () => {
    const key = bucketKey('gauged', '10s', 'requests_total', 'baseline', 10 * HOUR - 10_000);
    await tableBucket(key, 200);
    await suite.redis.persist(key);
    expect(await compactSettledBuckets(suite.redis, view, now)).toBe(1);
    expect(await suite.redis.ttl(key)).toBe(-1);
    expect(await suite.redis.hlen(key)).toBe(200);
  });
});
