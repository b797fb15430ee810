import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type RedisClient, waitUntilReady } from '@rollout-guard/shared/redis';
import {
  type ActiveRollout,
  type BucketQuery,
  batchMarkersKey,
  readCohortStats,
} from '@rollout-guard/shared/store';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Point, PointValue } from '../protocols/point.ts';
import { IngestRuntime } from './ingest-runtime.ts';
import { useIngestRedis } from './ingest-test-kit.ts';
import { DEFAULT_LIMITS } from './limits.ts';
import { Matcher } from './matcher.ts';
import { storeBatch } from './store-batch.ts';

const suite = useIngestRedis();
let redis: RedisClient;
beforeAll(() => {
  ({ redis } = suite);
});
/** Each test is a freshly started collector. */
let runtime: IngestRuntime;
beforeEach(() => {
  runtime = new IngestRuntime();
});

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const WAVE_START = NOW - 3600_000;

function rollout(overrides: Partial<ActiveRollout> = {}): ActiveRollout {
  return {
    name: 'copilot',
    specVersion: 1,
    flag: 'copilot-assist',
    match: {},
    cohorts: { attribute: 'feature_flag.result.variant', treatment: 'on', control: 'off' },
    metrics: ['requests_total', 'handle_seconds', 'queue_depth', 'latency'],
    phase: 'wave',
    waveIndex: 1,
    waveEpoch: 3,
    waveStartedAt: WAVE_START,
    ...overrides,
  };
}

function point(
  name: string,
  value: PointValue,
  variant: string | null,
  timeMs = NOW,
  startMs?: number,
): Point {
  return {
    name,
    attributes: variant === null ? { host: 'a' } : { host: 'a', 'feature_flag.result.variant': variant },
    timeMs,
    ...(startMs === undefined ? {} : { startMs }),
    value,
  };
}

const counter = (value: number): PointValue => ({
  kind: 'sum',
  value,
  monotonic: true,
  temporality: 'cumulative',
});

async function store(points: Point[], digest: string, rollouts = [rollout()], nowMs = NOW) {
  return storeBatch(redis, runtime, {
    points,
    matcher: new Matcher(rollouts),
    digest,
    nowMs,
    limits: DEFAULT_LIMITS,
  });
}

function read(
  metric: string,
  cohort: BucketQuery['cohort'],
  window: BucketQuery['window'],
  wanted?: 'counter',
) {
  return readCohortStats(redis, { rollout: 'copilot', metric, cohort, window, nowMs: NOW }, wanted);
}

describe('storeBatch', () => {
  it('stores counter increases per cohort in time buckets and the wave total, and reads them back', async () => {
    const start = NOW - 120_000;
    await store(
      [
        point('requests_total', counter(10), 'on', NOW - 60_000, start),
        point('requests_total', counter(4), 'off', NOW - 60_000, start),
      ],
      'b1',
    );
    const outcome = await store(
      [
        point('requests_total', counter(25), 'on', NOW, start),
        point('requests_total', counter(9), 'off', NOW, start),
      ],
      'b2',
    );
    expect(outcome).toMatchObject({ stored: 2, touched: ['copilot'], repeated: [] });
    expect(await read('requests_total', 'treatment', { kind: 'wave', waveEpoch: 3 })).toEqual({
      kind: 'counter',
      increase: 25,
      resets: 0,
    });
    expect(await read('requests_total', 'control', { kind: 'wave', waveEpoch: 3 })).toEqual({
      kind: 'counter',
      increase: 9,
      resets: 0,
    });
    // The last 30 s hold only the second batch's increase.
    expect(
      await read('requests_total', 'treatment', { kind: 'range', fromMs: NOW - 30_000, toMs: NOW + 1 }),
    ).toEqual({ kind: 'counter', increase: 15, resets: 0 });
    expect(
      await read('requests_total', 'treatment', {
        kind: 'range',
        fromMs: NOW - 7 * 24 * 3600_000,
        toMs: NOW + 1,
      }),
    ).toEqual({ kind: 'counter', increase: 25, resets: 0 });
  });

  it('forgets series not sent for a sweep period, and counts them exactly when they come back', async () => {
    runtime = new IngestRuntime({ idleMs: 100_000 });
    const start = NOW - 600_000;
    const at = (host: string, value: number, timeMs: number): Point => ({
      name: 'requests_total',
      attributes: { host, 'feature_flag.result.variant': 'on' },
      timeMs,
      startMs: start,
      value: counter(value),
    });
    const times = [NOW - 250_000, NOW - 140_000, NOW - 30_000];
    await store([at('a', 10, times[0] as number), at('b', 5, times[0] as number)], 'f1', undefined, times[0]);
    // A sweep: both were sent since the runtime began, so both are kept.
    await store([at('b', 7, times[1] as number)], 'f2', undefined, times[1]);
    expect(runtime.seriesStates.size).toBe(2);
    // The next: a was not sent for a whole period.
    await store([at('b', 9, times[2] as number)], 'f3', undefined, times[2]);
    expect(runtime.seriesStates.size).toBe(1);
    // Back: its state is read from Redis, so only what it gained since is counted.
    const outcome = await store([at('a', 25, NOW)], 'f4', undefined, NOW);
    expect(outcome).toMatchObject({ stored: 1, ignored: 0 });
    expect(runtime.seriesStates.size).toBe(2);
    expect(await read('requests_total', 'treatment', { kind: 'wave', waveEpoch: 3 })).toEqual({
      kind: 'counter',
      increase: 25 + 9,
      resets: 0,
    });
  });

  it('counts a retried batch once and says so', async () => {
    const points = [point('queue_depth', { kind: 'gauge', value: 7 }, 'on')];
    await store(points, 'same');
    expect(await store(points, 'same')).toMatchObject({ stored: 0, touched: [], repeated: ['copilot'] });
    expect(await read('queue_depth', 'treatment', { kind: 'wave', waveEpoch: 3 })).toMatchObject({
      kind: 'moments',
      count: 1,
      sum: 7,
    });
  });

  it('stores raw values as moments with last, min and max', async () => {
    const values = [3, 1, 4, 1, 5];
    await store(
      values.map((v, i) => point('queue_depth', { kind: 'gauge', value: v }, 'off', NOW - 5000 + i)),
      'b1',
    );
    expect(await read('queue_depth', 'control', { kind: 'wave', waveEpoch: 3 })).toEqual({
      kind: 'moments',
      count: 5,
      sum: 14,
      sumSquares: 52,
      min: 1,
      max: 5,
      last: { value: 5, time: NOW - 4996 },
    });
  });

  it('stores delta histograms bucket by bucket', async () => {
    const histogram = (counts: number[]): PointValue => ({
      kind: 'histogram',
      temporality: 'delta',
      bounds: [0.1, 1],
      counts,
      count: counts.reduce((a, b) => a + b),
      sum: 2,
    });
    await store(
      [
        point('handle_seconds', histogram([1, 2, 0]), 'on'),
        point('handle_seconds', histogram([0, 1, 1]), 'on', NOW + 1),
      ],
      'b1',
    );
    expect(await read('handle_seconds', 'treatment', { kind: 'wave', waveEpoch: 3 })).toEqual({
      kind: 'histogram',
      bounds: [0.1, 1],
      counts: [1, 3, 1],
      count: 5,
      sum: 4,
      min: null,
      max: null,
    });
  });

  it('puts points without a cohort in the population, and into the baseline during the baseline phase', async () => {
    const baselinePhase = rollout({ phase: 'baseline', waveStartedAt: null });
    await store(
      [
        point('queue_depth', { kind: 'gauge', value: 2 }, null),
        point('queue_depth', { kind: 'gauge', value: 4 }, 'on'),
      ],
      'b1',
      [baselinePhase],
    );
    expect(await read('queue_depth', 'baseline', { kind: 'baseline' })).toMatchObject({ count: 2, sum: 6 });
    expect(
      await read('queue_depth', 'baseline', { kind: 'range', fromMs: NOW - 10_000, toMs: NOW + 1 }),
    ).toMatchObject({ count: 1, sum: 2 });
    expect(
      await read('queue_depth', 'treatment', { kind: 'range', fromMs: NOW - 10_000, toMs: NOW + 1 }),
    ).toMatchObject({ count: 1, sum: 4 });
    expect(await read('queue_depth', 'baseline', { kind: 'wave', waveEpoch: 3 })).toBeNull();
  });

  it('drops points no rollout wants and refuses points outside the limits, by reason', async () => {
    const outcome = await store(
      [
        point('cpu_seconds', { kind: 'gauge', value: 1 }, 'on'),
        point('queue_depth', { kind: 'gauge', value: 1 }, 'shadow'),
        point('queue_depth', { kind: 'gauge', value: 1 }, 'on', NOW - 7 * 3600_000),
        point('queue_depth', { kind: 'gauge', value: 1 }, 'on', NOW + 3600_000),
        {
          name: 'queue_depth',
          attributes: { x: 'y'.repeat(10_000) },
          timeMs: NOW,
          value: { kind: 'gauge', value: 1 },
        },
        point('queue_depth', { kind: 'gauge', value: 1 }, 'on'),
      ],
      'b1',
    );
    expect(outcome.stored).toBe(1);
    expect(outcome.dropped).toEqual({ 'unwanted-metric': 1, 'other-variant': 1 });
    expect(outcome.refused.list().map((r) => [r.reason, r.count])).toEqual([
      ['timestamp more than 360 minutes in the past', 1],
      ['timestamp more than 10 minutes in the future', 1],
      ['label value longer than 2048 characters', 1],
    ]);
  });

  it('refuses series beyond the cardinality cap in the outcome, keeping the others', async () => {
    const points = Array.from({ length: 5 }, (_, i) => ({
      name: 'queue_depth',
      attributes: { pod: `p${i}` },
      timeMs: NOW,
      value: { kind: 'gauge', value: 1 } as PointValue,
    }));
    const outcome = await storeBatch(redis, runtime, {
      points,
      matcher: new Matcher([rollout()]),
      digest: 'b1',
      nowMs: NOW,
      limits: { ...DEFAULT_LIMITS, maxActiveSeriesPerRollout: 3 },
    });
    expect(outcome.stored).toBe(3);
    expect(outcome.refused.list()).toEqual([
      {
        reason: 'rollout "copilot" is at its cap of 3 active series',
        count: 2,
        example: expect.stringContaining('queue_depth'),
      },
    ]);
  });

  it('refuses series beyond the per-request limit, and counts a series once however many points it has', async () => {
    const gauge = (pod: string): Point => ({
      name: 'queue_depth',
      attributes: { pod },
      timeMs: NOW,
      value: { kind: 'gauge', value: 1 },
    });
    const limits = { ...DEFAULT_LIMITS, maxSeriesPerRequest: 3 };
    const send = (points: Point[], digest: string) =>
      storeBatch(redis, runtime, { points, matcher: new Matcher([rollout()]), digest, nowMs: NOW, limits });
    // Exactly the limit: every point stored.
    expect((await send(['a', 'b', 'c'].map(gauge), 'b1')).stored).toBe(3);
    // Five points of three series: within the limit.
    expect((await send(['a', 'b', 'a', 'c', 'b'].map(gauge), 'b2')).stored).toBe(5);
    // A fourth and fifth series: refused, the points of the first three kept.
    const outcome = await send(['a', 'b', 'c', 'd', 'a', 'e'].map(gauge), 'b3');
    expect(outcome.stored).toBe(4);
    expect(outcome.refused.list()).toEqual([
      {
        reason: 'more than 3 series in one request',
        count: 2,
        example: expect.stringContaining('queue_depth'),
      },
    ]);
  });

  it('writes each rollout its own share when a point counts for two', async () => {
    const other = rollout({
      name: 'search',
      flag: 'search',
      cohorts: { attribute: 'feature_flag.result.variant', treatment: 'off', control: 'on' },
    });
    const outcome = await store([point('queue_depth', { kind: 'gauge', value: 3 }, 'on')], 'b1', [
      rollout(),
      other,
    ]);
    expect(outcome.touched.sort()).toEqual(['copilot', 'search']);
    expect(
      await readCohortStats(redis, {
        rollout: 'search',
        metric: 'queue_depth',
        cohort: 'control',
        window: { kind: 'wave', waveEpoch: 3 },
      }),
    ).toMatchObject({ count: 1, sum: 3 });
  });

  it('stores a request larger than a call in several calls, answering it once all are stored', async () => {
    const gauge = (pod: number): Point => ({
      name: 'queue_depth',
      attributes: { pod: `p${pod}`, 'feature_flag.result.variant': 'on' },
      timeMs: NOW,
      value: { kind: 'gauge', value: pod },
    });
    const points = Array.from({ length: 40 }, (_, i) => gauge(i));
    const send = () =>
      storeBatch(redis, runtime, {
        points,
        matcher: new Matcher([rollout()]),
        digest: 'large',
        nowMs: NOW,
        limits: { ...DEFAULT_LIMITS, maxPointsPerCall: 10 },
      });
    expect(await send()).toMatchObject({ stored: 40, touched: ['copilot'], repeated: [] });
    // Four calls, each applied under its own digest.
    expect((await redis.zrange(batchMarkersKey('copilot'), 0, -1)).sort()).toEqual([
      'large:1/4',
      'large:2/4',
      'large:3/4',
      'large:4/4',
    ]);
    const stats40 = { count: 40, sum: (39 * 40) / 2, min: 0, max: 39 };
    expect(await read('queue_depth', 'treatment', { kind: 'wave', waveEpoch: 3 })).toMatchObject({
      kind: 'moments',
      ...stats40,
    });
    // The sender's retry: every call seen before, nothing counted again.
    expect(await send()).toMatchObject({ stored: 0, repeated: ['copilot'] });
    expect(await read('queue_depth', 'treatment', { kind: 'wave', waveEpoch: 3 })).toMatchObject(stats40);
  });

  it('holds no decoded point but the first of each rollout while Redis works', async () => {
    // A request's points are garbage once grouped by rollout: held through the wait for Redis, every
    // request's would survive the collections meanwhile (with `v8`'s `gc`, exposed here for the check).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const pauser = redis.duplicate();
    await waitUntilReady(pauser);
    // The ingest script writes: it waits while writes are paused, a window that does not depend on timing.
    await pauser.client('PAUSE', 5_000, 'WRITE');
    let pending: Promise<unknown> | undefined;
    const refs = (() => {
      const points = [1, 2, 3].map((v) => point('queue_depth', { kind: 'gauge', value: v }, 'on'));
      pending = store(points, 'held');
      return points.map((p) => new WeakRef(p));
    })();
    try {
      // A WeakRef holds its target until the task that made it ends.
      await new Promise((resolve) => setTimeout(resolve, 20));
      gc();
      expect(refs.map((ref) => ref.deref() !== undefined)).toEqual([true, false, false]);
    } finally {
      await pauser.client('UNPAUSE');
      pauser.disconnect();
    }
    expect(await pending).toMatchObject({ stored: 3 });
  });
});
