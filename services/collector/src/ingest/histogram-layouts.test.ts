import type { RedisClient } from '@rollout-guard/shared/redis';
import { histogramOf, orderStatisticRange, quantileOf } from '@rollout-guard/shared/stats';
import { type ActiveRollout, readCohortStats } from '@rollout-guard/shared/store';
import type { TestRedis } from '@rollout-guard/shared/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Point } from '../protocols/point.ts';
import { IngestRuntime } from './ingest-runtime.ts';
import { useIngestRedis } from './ingest-test-kit.ts';
import { DEFAULT_LIMITS } from './limits.ts';
import { Matcher } from './matcher.ts';
import { storeBatch } from './store-batch.ts';

// Series of one metric whose senders chose different bucket bounds, stored by the real ingest path
// and read back as one histogram: no bucket's count may land in a narrower bucket it may not belong to.

const suite = useIngestRedis();
let server: TestRedis;
let redis: RedisClient;
beforeAll(() => {
  ({ server, redis } = suite);
});

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

const ROLLOUT: ActiveRollout = {
  name: 'copilot',
  specVersion: 1,
  flag: 'copilot-assist',
  match: {},
  cohorts: { attribute: 'feature_flag.result.variant', treatment: 'on', control: 'off' },
  metrics: ['handle_seconds'],
  phase: 'wave',
  waveIndex: 1,
  waveEpoch: 1,
  waveStartedAt: NOW - 3600_000,
};

interface Series {
  readonly bounds: number[];
  readonly values: number[];
}

function histogramPoint(host: string, series: Series, temporality: 'delta' | 'cumulative'): Point {
  const h = histogramOf(series.bounds, series.values);
  return {
    name: 'handle_seconds',
    attributes: { host, 'feature_flag.result.variant': 'on' },
    timeMs: NOW - 1000,
    // A cumulative series started inside the rollout: its first point is all increase.
    ...(temporality === 'cumulative' ? { startMs: NOW - 60_000 } : {}),
    value: {
      kind: 'histogram',
      temporality,
      bounds: h.bounds,
      counts: h.counts,
      count: h.count,
      sum: h.sum,
    },
  };
}

describe('explicit histograms of series with different bucket layouts', () => {
  it.each([
    {
      name: 'same layout: bucket by bucket, as sent',
      a: { bounds: [1, 2], values: [0.5, 1.2, 1.2, 1.9, 3] },
      b: { bounds: [1, 2], values: [0.2, 1.5, 2.5] },
      bounds: [1, 2],
      counts: [2, 4, 2],
    },
    {
      // B's bound 1.5 is one A lacks: A's count for (1, 2] must not be read as (1.5, 2].
      name: 'one layout finer: the bounds they share',
      a: { bounds: [1, 2], values: [0.9, ...Array.from({ length: 10 }, () => 1.2)] },
      b: { bounds: [1, 1.5, 2], values: [0.5, 0.5, 1.3, 1.7, 1.7] },
      bounds: [1, 2],
      counts: [3, 13, 0],
    },
    {
      // A stores no field for an empty bucket, so the reader cannot know A has the bound 1: the
      // shared bounds it can see are fewer, the histogram coarser, and still right.
      name: 'a layout with empty buckets: coarser, never wrong',
      a: { bounds: [1, 2], values: Array.from({ length: 10 }, () => 1.2) },
      b: { bounds: [1, 1.5, 2], values: [0.5, 0.5, 1.7, 1.7] },
      bounds: [2],
      counts: [14, 0],
    },
    {
      name: 'interleaved layouts: the bounds they share',
      a: { bounds: [0.5, 1, 2, 4], values: [0.3, 0.7, 1.5, 3] },
      b: { bounds: [1, 3, 4], values: [0.8, 2, 3.5, 5] },
      bounds: [1, 4],
      counts: [3, 4, 1],
    },
  ])('$name', async ({ a, b, bounds, counts }) => {
    for (const temporality of ['delta', 'cumulative'] as const) {
      await server.flushAll();
      await storeBatch(redis, new IngestRuntime(), {
        points: [histogramPoint('a', a, temporality), histogramPoint('b', b, temporality)],
        matcher: new Matcher([ROLLOUT]),
        digest: `layouts-${temporality}`,
        nowMs: NOW,
        limits: DEFAULT_LIMITS,
      });
      const stats = await readCohortStats(redis, {
        rollout: 'copilot',
        metric: 'handle_seconds',
        cohort: 'treatment',
        window: { kind: 'wave', waveEpoch: 1 },
        nowMs: NOW,
      });
      const all = [...a.values, ...b.values].sort((x, y) => x - y);
      expect(stats).toMatchObject({ kind: 'histogram', bounds, counts, count: all.length });
      if (stats?.kind !== 'histogram') throw new Error('expected a histogram');
      expect(stats.sum).toBeCloseTo(
        all.reduce((x, y) => x + y, 0),
        9,
      );
      // Every order statistic lies inside the bucket edges the merged histogram gives for it.
      all.forEach((value, i) => {
        const { lower, upper } = orderStatisticRange(stats, i + 1);
        expect(value).toBeGreaterThan(lower);
        expect(value).toBeLessThanOrEqual(upper);
      });
      // And the median estimate stays inside the true median's bucket.
      const median = orderStatisticRange(stats, Math.ceil(all.length / 2));
      const estimate = quantileOf(stats, 0.5);
      expect(estimate).toBeGreaterThanOrEqual(median.lower);
      expect(estimate).toBeLessThanOrEqual(median.upper);
    }
  });
});
