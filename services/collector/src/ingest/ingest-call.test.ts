import { readFileSync } from 'node:fs';
import { type RedisClient, rolloutKeys } from '@rollout-guard/shared/redis';
import {
  activeSeriesKey,
  batchMarkersKey,
  bucketKey,
  SERIES_STATE_FENCE_TTL_SECONDS,
  SERIES_STATE_WRITER_FIELD,
  seriesStateFenceKey,
  seriesStateKey,
  trimSeriesStates,
} from '@rollout-guard/shared/store';
import type { TestRedis } from '@rollout-guard/shared/testing';
import fc from 'fast-check';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CumulativeOp,
  type IngestCall,
  IngestContentionError,
  type IngestOp,
  runIngestCall,
  runIngestCalls,
} from './ingest-call.ts';
import { useIngestRedis } from './ingest-test-kit.ts';
import { FIRST_TABLE_KEY, KeyTable } from './script-protocol.ts';
import { parseState, SeriesStateCache } from './series-state.ts';
import { splitCall } from './split-call.ts';

const suite = useIngestRedis();
let server: TestRedis;
let redis: RedisClient;
beforeAll(() => {
  ({ server, redis } = suite);
});
/** One collector's memory of series states; each test starts as a freshly started collector. */
let cache: SeriesStateCache;
beforeEach(() => {
  cache = new SeriesStateCache();
});
const ingest = (c: IngestCall, on = cache) => runIngestCall(redis, c, on);

const ROLLOUT = 'checkout';
const BUCKET = bucketKey(ROLLOUT, '10s', 'requests_total', 'treatment', 0);
const OTHER = bucketKey(ROLLOUT, '10s', 'requests_total', 'control', 0);

/** A call writing every op to BUCKET (target group 0) and OTHER (group 1). */
function call(ops: IngestOp[], digest = '', overrides: Partial<IngestCall> = {}): IngestCall {
  const table = new KeyTable();
  const bucket = table.indexOf(BUCKET);
  const other = table.indexOf(OTHER);
  const series = table.indexOf(seriesStateKey(ROLLOUT, 'requests_total'));
  return {
    rollout: ROLLOUT,
    digest,
    nowMs: 1_000_000,
    keys: table.keys,
    groups: [[{ keyIndex: bucket, ttlSeconds: 600 }], [{ keyIndex: other, ttlSeconds: 600 }]],
    ops: ops.map((op) => (op.kind === 'cumulative' ? { ...op, stateKey: series } : op)),
    maxActiveSeries: 0,
    activeSeriesMs: 3_600_000,
    seriesStateSeconds: 3600,
    markerMs: 3_600_000,
    freshAfterMs: 500_000,
    ...overrides,
  };
}

const counter = (seriesId: string, value: number, timeMs: number, startMs = 1): CumulativeOp => ({
  kind: 'cumulative',
  stateKey: 0,
  seriesId,
  group: 0,
  fields: { ci: value },
  startMs,
  timeMs,
  monotonic: true,
});

async function fields(key = BUCKET) {
  const hash = await redis.hgetall(key);
  return Object.fromEntries(Object.entries(hash).map(([field, text]) => [field, Number(text)]));
}

describe('the ingest script', () => {
  it('adds delta vectors and applies a retried batch once', async () => {
    const ops: IngestOp[] = [
      { kind: 'delta', seriesId: 'a', group: 0, fields: { ci: 3 } },
      { kind: 'delta', seriesId: 'b', group: 0, fields: { ci: 4.5 } },
      { kind: 'delta', seriesId: 'c', group: 1, fields: { ci: 1 } },
    ];
    expect(await ingest(call(ops, 'batch-1'))).toEqual({
      applied: true,
      accepted: 3,
      refusedByCap: 0,
      ignored: 0,
      retries: { changed: 0, cap: 0, unvouched: 0 },
    });
    expect(await ingest(call(ops, 'batch-1'))).toMatchObject({ applied: false, accepted: 0 });
    expect(await fields()).toEqual({ ci: 7.5 });
    expect(await fields(OTHER)).toEqual({ ci: 1 });
    await ingest(call(ops, 'batch-2'));
    expect(await fields()).toEqual({ ci: 15 });
  });

  it('splits a large call by series, each series whole in one part, and stores what one call would', async () => {
    const ops: IngestOp[] = [];
    for (let s = 0; s < 40; s++) {
      ops.push(counter(`s${s}`, 100, 600_000, 550_000), counter(`s${s}`, 100 + s, 610_000, 550_000));
      ops.push({ kind: 'delta', seriesId: `g${s}`, group: 1, fields: { n: 1, s } });
    }
    const whole = call(ops, 'big');
    const parts = splitCall(whole, 30);
    expect(parts.length).toBe(4);
    expect(parts.map((part) => part.digest)).toEqual(['big:1/4', 'big:2/4', 'big:3/4', 'big:4/4']);
    expect(parts.flatMap((part) => part.ops).length).toBe(ops.length);
    for (const part of parts) {
      expect(part.ops.length).toBeLessThan(60);
      // Each series in one part only, its points in their order.
      const ids = new Set(part.ops.map((op) => op.seriesId));
      for (const other of parts) {
        if (other !== part) expect(other.ops.some((op) => ids.has(op.seriesId))).toBe(false);
      }
      expect(part.ops).toEqual(whole.ops.filter((op) => ids.has(op.seriesId)));
    }
    // The same call is split the same way again (a sender's retry meets the same digests).
    expect(splitCall(call(ops, 'big'), 30)).toEqual(parts);
    expect(splitCall(whole, 120)).toEqual([whole]);
    expect(splitCall(call(ops), 30).map((part) => part.digest)).toEqual(['', '', '', '']);
    // A series' run of points is never cut: the part grows to its end.
    const d = (seriesId: string): IngestOp => ({ kind: 'delta', seriesId, group: 0, fields: { ci: 1 } });
    const runs = splitCall(call(['a', 'a', 'a', 'b', 'c', 'd'].map(d), 'x'), 2);
    expect(runs.map((part) => [part.digest, part.ops.map((op) => op.seriesId).join('')])).toEqual([
      ['x:1/3', 'aaa'],
      ['x:2/3', 'bc'],
      ['x:3/3', 'd'],
    ]);

    expect(await runIngestCalls(redis, whole, cache, 30)).toEqual({
      applied: true,
      accepted: 120,
      refusedByCap: 0,
      ignored: 0,
      retries: { changed: 0, cap: 0, unvouched: 0 },
    });
    const counted = { ci: 100 * 40 + (39 * 40) / 2 };
    expect(await fields()).toEqual(counted);
    expect(await fields(OTHER)).toEqual({ n: 40, s: (39 * 40) / 2 });
    expect(await runIngestCalls(redis, whole, cache, 30)).toMatchObject({ applied: false, accepted: 0 });
    expect(await fields()).toEqual(counted);
  });

  it('counts a series exactly when its points come apart in the body and land in two parts', async () => {
    const ops: IngestOp[] = [counter('s', 100, 600_000, 550_000)];
    for (let t = 0; t < 5; t++) ops.push(counter(`t${t}`, 1, 600_000, 550_000));
    ops.push(counter('s', 130, 610_000, 550_000));
    expect(splitCall(call(ops, 'apart'), 4).map((part) => part.ops.length)).toEqual([4, 3]);
    expect(await runIngestCalls(redis, call(ops, 'apart'), cache, 4)).toMatchObject({ accepted: 7 });
    expect((await fields()).ci).toBe(130 + 5);
  });

  it('stores only the parts a failed attempt left out when the batch is sent again', async () => {
    const ops: IngestOp[] = [];
    for (let s = 0; s < 30; s++) ops.push({ kind: 'delta', seriesId: `g${s}`, group: 0, fields: { ci: 1 } });
    const whole = call(ops, 'again');
    const [first, second] = splitCall(whole, 10) as [IngestCall, IngestCall];
    // The first attempt stored two parts, then Redis failed: the sender sends the batch again.
    await ingest(first);
    await ingest(second);
    expect(await runIngestCalls(redis, whole, cache, 10)).toMatchObject({
      applied: true,
      accepted: 30 - first.ops.length - second.ops.length,
    });
    expect(await fields()).toEqual({ ci: 30 });
    expect(await runIngestCalls(redis, whole, cache, 10)).toMatchObject({ applied: false, accepted: 0 });
    expect(await fields()).toEqual({ ci: 30 });
  });

  it.each([
    {
      name: 'first point of a series that started before the rollout is only the reference',
      points: [[100, 600_000, 1]],
      increase: 0,
    },
    {
      name: 'first point of a series that started after the rollout counts in full',
      points: [[100, 600_000, 550_000]],
      increase: 100,
    },
    {
      name: 'increases add up',
      points: [
        [100, 600_000],
        [130, 610_000],
        [171, 620_000],
      ],
      increase: 71,
    },
    {
      name: 'a counter reset counts the new value',
      points: [
        [100, 600_000],
        [130, 610_000],
        [5, 620_000],
      ],
      increase: 35,
    },
    {
      name: 'a new start time (sender restart) counts the new value even when higher',
      points: [
        [100, 600_000, 1],
        [130, 610_000, 1],
        [140, 620_000, 605_000],
      ],
      increase: 170,
    },
    {
      name: 'an older or repeated point is ignored',
      points: [
        [100, 600_000],
        [130, 610_000],
        [120, 605_000],
        [130, 610_000],
        [150, 615_000],
      ],
      increase: 50,
    },
  ])('cumulative counter: $name', async ({ points, increase }) => {
    let n = 0;
    for (const [value, ts, st] of points) {
      await ingest(call([counter('s', value!, ts!, st)], `b${n++}`));
    }
    expect((await fields()).ci ?? 0).toBe(increase);
  });

  it('takes several points of one series in one batch in order, each against the one before', async () => {
    const batch = [
      counter('s', 100, 600_000),
      counter('s', 110, 610_000),
      counter('s', 4, 620_000), // a reset inside the batch
      counter('s', 9, 630_000),
      counter('s', 8, 625_000), // older than the last one: ignored
    ];
    expect(await ingest(call(batch, 'b1'))).toMatchObject({ accepted: 4, ignored: 1 });
    expect((await fields()).ci).toBe(10 + 4 + 5);
    await ingest(call([counter('s', 12, 640_000)], 'b2'));
    expect((await fields()).ci).toBe(10 + 4 + 5 + 3);
  });

  it('keeps a series met twice in one call one series when the cache is dropped between its points', async () => {
    // A cache of 2 is full at `c`, dropped whole: `a` met again after it comes with another cell.
    const small = new SeriesStateCache(2);
    const first = call([counter('a', 100, 600_000), counter('b', 5, 600_000)], 'b1');
    await ingest(first, small);
    const batch = [
      counter('a', 110, 610_000),
      counter('b', 6, 610_000),
      counter('c', 1, 610_000),
      counter('a', 130, 620_000),
    ];
    expect(await ingest(call(batch, 'b2'), small)).toMatchObject({ accepted: 4, ignored: 0 });
    expect((await fields()).ci).toBe(10 + 1 + 20);
    expect(await redis.hget(seriesStateKey(ROLLOUT, 'requests_total'), 'a')).toBe('1 620000 ci=130');
  });

  it('keeps one series id under two state keys apart within one call', async () => {
    // `x_count` read as its own metric and as a part of `x`: one id, a state in each metric's hash.
    const table = new KeyTable();
    const bucket = table.indexOf(BUCKET);
    const other = table.indexOf(OTHER);
    const own = table.indexOf(seriesStateKey(ROLLOUT, 'x_count'));
    const part = table.indexOf(seriesStateKey(ROLLOUT, 'x'));
    const twoKeys = (points: [own: number, part: number, ts: number], digest: string): IngestCall => ({
      ...call([], digest),
      keys: table.keys,
      groups: [[{ keyIndex: bucket, ttlSeconds: 600 }], [{ keyIndex: other, ttlSeconds: 600 }]],
      ops: [
        { ...counter('s', points[0], points[2], 600_000), stateKey: own, group: 0 },
        { ...counter('s', points[1], points[2], 600_000), stateKey: part, group: 1 },
      ],
    });
    expect(await ingest(twoKeys([100, 7, 610_000], 'b1'))).toMatchObject({ accepted: 2 });
    expect(await ingest(twoKeys([130, 9, 620_000], 'b2'))).toMatchObject({ accepted: 2 });
    expect((await fields()).ci).toBe(130);
    expect((await fields(OTHER)).ci).toBe(9);
    expect(await redis.hget(seriesStateKey(ROLLOUT, 'x_count'), 's')).toBe('600000 620000 ci=130');
    expect(await redis.hget(seriesStateKey(ROLLOUT, 'x'), 's')).toBe('600000 620000 ci=9');
    // A collector without this one's memory reads both states and goes on from them.
    expect(await ingest(twoKeys([131, 12, 630_000], 'b3'), new SeriesStateCache())).toMatchObject({
      accepted: 2,
      retries: { changed: 0, cap: 0, unvouched: 0 },
    });
    expect((await fields()).ci).toBe(131);
    expect((await fields(OTHER)).ci).toBe(12);
  });

  it('admits new series under the cap in the order they come, known ones always', async () => {
    const d = (seriesId: string): IngestOp => ({ kind: 'delta', seriesId, group: 0, fields: { ci: 1 } });
    const capped = { maxActiveSeries: 3 };
    await ingest(call([d('a'), d('b')], 'b1', capped));
    expect(await ingest(call([d('c'), d('d'), d('a'), d('c'), d('e')], 'b2', capped))).toMatchObject({
      accepted: 3,
      refusedByCap: 2,
    });
    expect(await redis.zrange('rg:{checkout}:active-series', 0, -1)).toEqual(['a', 'b', 'c']);
  });

  it('reports points it ignored as out of order', async () => {
    await ingest(call([counter('s', 10, 600_000)], 'b1'));
    expect(await ingest(call([counter('s', 9, 590_000)], 'b2'))).toMatchObject({
      accepted: 0,
      ignored: 1,
    });
  });

  it('keeps cumulative series apart and exact for large counts', async () => {
    await ingest(call([counter('a', 2 ** 50, 600_000), counter('b', 1, 600_000)], 'b1'));
    await ingest(call([counter('a', 2 ** 50 + 7, 610_000), counter('b', 3, 610_000)], 'b2'));
    expect((await fields()).ci).toBe(9);
  });

  it('takes the increase of a cumulative histogram, folding buckets when the scale drops', async () => {
    const histogram = (v: Record<string, number>, ts: number): IngestOp => ({
      kind: 'cumulative',
      stateKey: 0,
      seriesId: 'h',
      group: 0,
      fields: v,
      startMs: 1,
      timeMs: ts,
      monotonic: true,
    });
    await ingest(call([histogram({ n: 3, s: 6, 'e:3:p:8': 1, 'e:3:p:9': 2 }, 600_000)], 'b1'));
    // Scale 3 → 2: buckets 8 and 9 fold into 4; one more value in 4 and one in a new bucket 6.
    await ingest(call([histogram({ n: 5, s: 10, 'e:2:p:4': 4, 'e:2:p:6': 1 }, 610_000)], 'b2'));
    expect(await fields()).toEqual({ n: 2, s: 4, 'e:2:p:4': 1, 'e:2:p:6': 1 });
  });

  it('treats a histogram whose sum falls but counts rise as no reset', async () => {
    const op = (n: number, s: number, ts: number): IngestOp => ({
      kind: 'cumulative',
      stateKey: 0,
      seriesId: 'h',
      group: 0,
      fields: { n, s, 'b:0': n },
      startMs: 1,
      timeMs: ts,
      monotonic: true,
    });
    await ingest(call([op(2, -1, 600_000)], 'b1'));
    await ingest(call([op(3, -4, 610_000)], 'b2'));
    expect(await fields()).toEqual({ n: 1, s: -3, 'b:0': 1 });
  });

  it('takes a drop of a sum sent alone (a Prometheus _sum series) as a reset, as rate() does', async () => {
    const sum = (s: number, ts: number): IngestOp => ({
      kind: 'cumulative',
      stateKey: 0,
      seriesId: 'h_sum',
      group: 0,
      fields: { s },
      startMs: 0,
      timeMs: ts,
      monotonic: true,
    });
    await ingest(call([sum(10, 600_000)], 'b1'));
    await ingest(call([sum(14, 610_000)], 'b2'));
    await ingest(call([sum(3, 620_000)], 'b3'));
    expect(await fields()).toEqual({ s: 4 + 3 });
  });

  it('merges min, max and the latest value', async () => {
    const gauge = (value: number, lastTime: number): IngestOp => ({
      kind: 'delta',
      seriesId: 'g',
      group: 0,
      fields: { n: 1, s: value },
      min: value,
      max: value,
      lastValue: value,
      lastTime,
    });
    await ingest(call([gauge(5, 600_000), gauge(2, 590_000)], 'b1'));
    await ingest(call([gauge(9, 605_000)], 'b2'));
    expect(await fields()).toEqual({ n: 3, s: 16, mn: 2, mx: 9, lv: 9, lt: 605_000 });
  });

  it('refuses new series beyond the cap and keeps counting the known ones', async () => {
    const capped = { maxActiveSeries: 2 };
    const d = (seriesId: string): IngestOp => ({ kind: 'delta', seriesId, group: 0, fields: { ci: 1 } });
    expect(await ingest(call([d('a'), d('b'), d('c')], 'b1', capped))).toMatchObject({
      accepted: 2,
      refusedByCap: 1,
      retries: { changed: 0, cap: 1 },
    });
    expect(await ingest(call([d('a'), d('c')], 'b2', capped))).toMatchObject({
      accepted: 1,
      refusedByCap: 1,
    });
    // An idle series stops counting against the cap.
    expect(await ingest(call([d('c')], 'b3', { ...capped, nowMs: 1_000_000 + 3_600_001 }))).toMatchObject({
      accepted: 1,
      refusedByCap: 0,
    });
    expect((await fields()).ci).toBe(4);
  });

  it('refuses a series the full cap refused within the minute without asking Redis, and asks again after it', async () => {
    const capped = { maxActiveSeries: 1 };
    const d = (seriesId: string): IngestOp => ({ kind: 'delta', seriesId, group: 0, fields: { ci: 1 } });
    const at = (seconds: number) => ({ ...capped, nowMs: 1_000_000 + seconds * 1_000 });
    const refusedOnce = { accepted: 1, refusedByCap: 1, retries: { cap: 1 } };
    // The cap had room, which a took: b is asked for again next time (another call could have had it).
    expect(await ingest(call([d('a'), d('b')], 'b1', at(0)))).toMatchObject(refusedOnce);
    // Full when the call came: b is refused for the next minute without asking.
    expect(await ingest(call([d('a'), d('b')], 'b2', at(10)))).toMatchObject(refusedOnce);
    expect(await ingest(call([d('a'), d('b')], 'b3', at(30)))).toMatchObject({
      accepted: 1,
      refusedByCap: 1,
      retries: { cap: 0 },
    });
    // Room made (a went silent, as for an hour): b is still refused until a minute after its refusal…
    await redis.del(activeSeriesKey(ROLLOUT));
    expect(await ingest(call([d('b')], 'b4', at(69)))).toMatchObject({ accepted: 0, refusedByCap: 1 });
    // …then asked for again, and admitted.
    expect(await ingest(call([d('b')], 'b5', at(70)))).toMatchObject({ accepted: 1, refusedByCap: 0 });
    expect((await fields()).ci).toBe(4);
    // Another collector knows nothing of this one's refusals.
    expect(await ingest(call([d('c')], 'b6', at(71)), new SeriesStateCache())).toMatchObject({
      refusedByCap: 1,
      retries: { cap: 1 },
    });
  });

  it('sets every written key to expire', async () => {
    await ingest(call([counter('s', 1, 600_000, 550_000)], 'b1'));
    expect(await redis.ttl(BUCKET)).toBeGreaterThan(590);
    expect(await redis.ttl(seriesStateKey(ROLLOUT, 'requests_total'))).toBeGreaterThan(3590);
    expect(await redis.pttl('rg:{checkout}:batches')).toBeGreaterThan(0);
  });

  it('loads itself again after Redis forgot its scripts', async () => {
    await ingest(call([{ kind: 'delta', seriesId: 'a', group: 0, fields: { ci: 1 } }], 'b1'));
    await redis.script('FLUSH');
    await ingest(call([{ kind: 'delta', seriesId: 'a', group: 0, fields: { ci: 1 } }], 'b2'));
    expect((await fields()).ci).toBe(2);
  });
  it('counts exactly when two collectors take turns with one series, each reading what the other wrote', async () => {
    const other = new SeriesStateCache();
    const values = [100, 110, 125, 126, 140, 180, 181];
    const changed: number[] = [];
    for (const [i, value] of values.entries()) {
      const result = await ingest(
        call([counter('s', value, 600_000 + i * 10_000)], `b${i}`),
        i % 2 === 0 ? cache : other,
      );
      changed.push(result.retries.changed);
    }
    expect((await fields()).ci).toBe(81);
    // Each turn after the first two finds the state the other collector wrote, and computes again.
    expect(changed).toEqual([0, 0, 1, 1, 1, 1, 1]);
  });

  it('recomputes from what Redis holds when it lost what this collector remembers', async () => {
    await ingest(call([counter('s', 100, 600_000)], 'b1'));
    await ingest(call([counter('s', 130, 610_000)], 'b2'));
    await server.flushAll();
    // Redis starts empty again: 150 is a first point (the reference), not an increase of 20.
    expect(await ingest(call([counter('s', 150, 620_000)], 'b3'))).toMatchObject({ accepted: 1 });
    expect(await fields()).toEqual({});
    // A point older than the remembered 610_000 is judged against Redis, which has 620_000 now.
    expect(await ingest(call([counter('s', 140, 615_000)], 'b4'))).toMatchObject({ ignored: 1 });
    await ingest(call([counter('s', 171, 630_000)], 'b5'));
    expect((await fields()).ci).toBe(21);
  });

  it('checks a series whose only point is older than the one it remembers against Redis', async () => {
    await ingest(call([counter('s', 100, 600_000)], 'b1'));
    await ingest(call([counter('s', 130, 610_000)], 'b2'));
    await server.flushAll();
    // Remembered 610_000 would ignore this point; Redis has nothing, so it is the new reference.
    expect(await ingest(call([counter('s', 120, 605_000)], 'b3'))).toMatchObject({ accepted: 1, ignored: 0 });
    await ingest(call([counter('s', 125, 606_000)], 'b4'));
    expect((await fields()).ci).toBe(5);
  });

  it('gives up after six attempts when the series change under it every time, writing nothing', async () => {
    // A collector whose copy never matches Redis (as if another writer changed the series between
    // every read and write): the script refuses each attempt and the batch fails, to be retried.
    class AlwaysStale extends SeriesStateCache {
      override async readStates(_redis: RedisClient, _key: string, seriesIds: readonly string[]) {
        return seriesIds.map(encodeStale);
      }
    }
    const encodeStale = () => ({ raw: '1 1 ci=1', point: { startMs: 1, timeMs: 1, fields: { ci: 1 } } });
    await redis.hset(seriesStateKey(ROLLOUT, 'requests_total'), 's', '1 500000 ci=5');
    await expect(ingest(call([counter('s', 100, 600_000)], 'b1'), new AlwaysStale())).rejects.toThrow(
      IngestContentionError,
    );
    expect(await fields()).toEqual({});
    expect(await redis.hget(seriesStateKey(ROLLOUT, 'requests_total'), 's')).toBe('1 500000 ci=5');
    expect(await redis.zscore('rg:{checkout}:batches', 'b1')).toBeNull();
  });

  it.each([
    ['bytes that are no text', Buffer.from([0x83, 0xa2, 0xff, 0x00])],
    // A newline parts the script's argument: such a text is compared by its digest.
    ['a text with a newline', '1 500000 c\ni=5'],
  ])('starts a series over when its stored state is %s', async (_what, stored) => {
    await redis.hset(seriesStateKey(ROLLOUT, 'requests_total'), 's', stored);
    expect(await ingest(call([counter('s', 100, 600_000)], 'b1'))).toMatchObject({
      applied: true,
      accepted: 1,
    });
    await ingest(call([counter('s', 104, 610_000)], 'b2'));
    expect((await fields()).ci).toBe(4);
  });

  it('marks a series active again only after a minute, unless Redis disagreed', async () => {
    const d = (seriesId: string): IngestOp => ({ kind: 'delta', seriesId, group: 0, fields: { ci: 1 } });
    const at = (nowMs: number, digest: string) => ingest(call([d('a')], digest, { nowMs }));
    await at(1_000_000, 'b1');
    await at(1_030_000, 'b2');
    expect(await redis.zscore('rg:{checkout}:active-series', 'a')).toBe('1000000');
    await at(1_060_000, 'b3');
    expect(await redis.zscore('rg:{checkout}:active-series', 'a')).toBe('1060000');
    expect((await fields()).ci).toBe(3);
  });
});

describe('writer tokens: states taken as stored without the script reading them', () => {
  const STATES = seriesStateKey(ROLLOUT, 'requests_total');

  it('skips comparing what only this collector wrote, so a write behind the token goes unseen (the documented limit), one with it is seen', async () => {
    await ingest(call([counter('s', 100, 600_000)], 'b1'));
    await ingest(call([counter('s', 130, 610_000)], 'b2'));
    // Behind the collector's back, the token untouched: the script does not read the state, and the
    // increase is counted from what this collector wrote (130 → 150). The old script compared, read
    // 200, and took 150 as a reset (an increase of 150).
    await redis.hset(STATES, 's', '1 610000 ci=200');
    expect(await ingest(call([counter('s', 150, 620_000)], 'b3'))).toMatchObject({
      retries: { changed: 0, cap: 0, unvouched: 0 },
    });
    expect((await fields()).ci).toBe(50);
    // A writer that changes the token, as every writer of series states must: compared, and the
    // state it wrote counts (200 → 210 after a reset to 160 would be wrong; 205 is 5 more than 200).
    // The call left the state it vouched for out, so it is first told the token changed (unvouched).
    await redis.hset(STATES, 's', '1 625000 ci=200', SERIES_STATE_WRITER_FIELD, 'someone-else');
    expect(await ingest(call([counter('s', 205, 630_000)], 'b4'))).toMatchObject({
      retries: { changed: 1, cap: 0, unvouched: 1 },
    });
    expect((await fields()).ci).toBe(55);
  });

  it("counts every increase once when two collectors write one rollout's series in turns", async () => {
    const other = new SeriesStateCache();
    const both = [cache, other];
    // Which collector writes which series, turn by turn: runs of one collector (its chain goes on),
    // a collector writing only some series after the other wrote others (its chain breaks, and the
    // series it did not send must not stay vouched for).
    const turns: Array<[collector: number, series: string[]]> = [
      [0, ['a', 'b', 'c']],
      [0, ['a', 'b', 'c']],
      [1, ['a']],
      [0, ['b']],
      [0, ['a', 'b', 'c']],
      [0, ['a', 'b', 'c']],
      [1, ['b', 'c']],
      [1, ['a', 'b']],
      [0, ['c']],
      [0, ['a', 'b', 'c']],
      [1, ['a', 'b', 'c']],
      [0, ['a', 'b', 'c']],
    ];
    const value = new Map<string, number>();
    let expected = 0;
    for (const [i, [collector, ids]] of turns.entries()) {
      const ops = ids.map((id) => {
        const last = value.get(id);
        const next = (last ?? 0) + 10 + i * (id.charCodeAt(0) - 96);
        // A series' first point is its reference (started long before the wave): no increase.
        if (last !== undefined) expected += next - last;
        value.set(id, next);
        return counter(id, next, 600_000 + i * 10_000);
      });
      await ingest(call(ops, `t${i}`), both[collector]);
    }
    expect((await fields()).ci).toBe(expected);
  });

  it('leaves vouched states out of its calls, and sends them for ten minutes once another writer was found', async () => {
    const other = new SeriesStateCache();
    const at = (minute: number) => ({ nowMs: 1_000_000 + minute * 60_000 });
    // This collector writes series a, the other b, in one state key: each finds the other's token.
    const a = (value: number, minute: number, digest: string) =>
      ingest(call([counter('a', value, 600_000 + minute * 60_000)], digest, at(minute)));
    const b = (value: number, minute: number, digest: string) =>
      ingest(call([counter('b', value, 600_000 + minute * 60_000)], digest, at(minute)), other);
    const retried = async (result: Promise<{ retries: object }>) => (await result).retries;
    const none = { changed: 0, cap: 0, unvouched: 0 };
    expect(await retried(a(100, 0, 'a0'))).toEqual(none);
    // Vouched for and sent without its state: taken as stored.
    expect(await retried(a(110, 1, 'a1'))).toEqual(none);
    expect(await retried(b(50, 1, 'b1'))).toEqual(none);
    // Sent without its state, the token another's: told so, sent again with it (equal: no change).
    expect(await retried(a(120, 2, 'a2'))).toEqual({ ...none, unvouched: 1 });
    // The other collector found this one's token on its first call: it sends its states at once.
    expect(await retried(b(55, 2, 'b2'))).toEqual(none);
    // Contended now: the states are sent at once and compared, for ten minutes after the last find.
    expect(await retried(a(130, 3, 'a3'))).toEqual(none);
    expect(await retried(b(60, 9, 'b3'))).toEqual(none);
    expect(await retried(a(140, 12, 'a4'))).toEqual(none);
    // The other gone, ten minutes after this collector last found it: vouched states left out again,
    // taken as stored.
    expect(await retried(a(150, 30, 'a5'))).toEqual(none);
    await redis.hset(STATES, SERIES_STATE_WRITER_FIELD, 'someone-else');
    expect(await retried(a(160, 31, 'a6'))).toEqual({ ...none, unvouched: 1 });
    // Every increase counted once: a 100 → 160, b 50 → 60.
    expect((await fields()).ci).toBe(60 + 10);
  });

  it('sends the states it vouches for in a key that a call of its own is in Redis with', async () => {
    const both = (i: number) => [
      counter('a', 100 + i, 600_000 + i * 10_000),
      counter('b', 200 + i, 600_000 + i * 10_000),
    ];
    await ingest(call(both(0), 'c0'));
    await ingest(call(both(1), 'c1'));
    // Two calls at once: the second is planned while the first is in Redis, whose token will be there
    // before its own. Left out, its vouched state would be refused (unvouched); it is sent and compared.
    const [x, y] = await Promise.all([
      ingest(call([counter('a', 105, 620_000)], 'x')),
      ingest(call([counter('b', 207, 620_000)], 'y')),
    ]);
    expect([x.retries, y.retries]).toEqual([
      { changed: 0, cap: 0, unvouched: 0 },
      { changed: 0, cap: 0, unvouched: 0 },
    ]);
    // Its own token found by the second is no other writer: the next call leaves its states out again.
    await redis.hset(STATES, SERIES_STATE_WRITER_FIELD, 'someone-else');
    expect((await ingest(call(both(9), 'c9'))).retries).toEqual({ changed: 0, cap: 0, unvouched: 1 });
    expect((await fields()).ci).toBe(1 + 1 + 4 + 6 + 4 + 2);
  });

  it('compares again after Redis lost the last write, its token then an older one of this collector', async () => {
    await ingest(call([counter('s', 100, 600_000)], 'b1'));
    await ingest(call([counter('s', 130, 610_000)], 'b2'));
    const snapshot = (await redis.dumpBuffer(STATES)) as Buffer;
    await ingest(call([counter('s', 150, 620_000)], 'b3'));
    // As after a restart from a snapshot taken before b3: the hash as b2 left it, b2's token in it.
    await redis.restore(STATES, 0, snapshot, 'REPLACE');
    expect(await ingest(call([counter('s', 170, 630_000)], 'b4'))).toMatchObject({
      retries: { changed: 1, cap: 0, unvouched: 1 },
    });
    // 30 + 20 counted by b3 (its bucket write kept), then 170 - 130 from the state Redis holds.
    expect((await fields()).ci).toBe(90);
  });

  it('compares again after retention trimmed a state this collector remembers', async () => {
    await ingest(call([counter('s', 100, 600_000), counter('t', 5, 600_000)], 'b1'));
    await ingest(call([counter('s', 130, 610_000), counter('t', 6, 700_000)], 'b2'));
    // s's state is older than the cutoff: trimmed, and the writer token with it.
    expect(await trimSeriesStates(redis, STATES, 650_000)).toBe(1);
    expect(await redis.hexists(STATES, SERIES_STATE_WRITER_FIELD)).toBe(0);
    expect(await ingest(call([counter('s', 140, 720_000), counter('t', 8, 720_000)], 'b3'))).toMatchObject({
      retries: { changed: 1, cap: 0, unvouched: 1 },
    });
    // s starts over as a reference (140 is no increase of 10); t adds 1 then 2.
    expect((await fields()).ci).toBe(30 + 1 + 2);
  });

  it('takes no state as vouched for that a call of its own wrote after this call read it', async () => {
    await ingest(call([counter('s', 100, 600_000)], 'b1'));
    await ingest(call([counter('s', 130, 610_000)], 'b2'));
    // x is sent first (its EVALSHA written within a few microtasks, before any reply can come in);
    // y then knows s as b2 left it and waits for its HMGET of a new series in another state key,
    // queued behind x on the connection: x's reply is taken in (s as x wrote it, x's token, the chain
    // unbroken) before y plans.
    const x = ingest(call([counter('s', 140, 620_000)], 'x'));
    for (let tick = 0; tick < 20; tick++) await Promise.resolve();
    const late = call([counter('s', 150, 630_000)], 'y');
    const elsewhere = { ...counter('new', 5, 630_000), stateKey: FIRST_TABLE_KEY + late.keys.length };
    const y = ingest({
      ...late,
      keys: [...late.keys, seriesStateKey(ROLLOUT, 'errors_total')],
      ops: [...late.ops, elsewhere],
    });
    await Promise.all([x, y]);
    expect(await y).toMatchObject({ retries: { changed: 1, cap: 0 } });
    expect((await fields()).ci).toBe(30 + 10 + 10);
  });
});

describe('calls at once: each increase counted once, whatever the interleaving', () => {
  /**
   * Sends a call as a sender does: again while every attempt met a change (the batch then 503s), the
   * parts already stored then seen before. In parts of `maxOps` ops, two in flight at a time.
   */
  async function delivered(c: IngestCall, on: SeriesStateCache, maxOps: number) {
    for (let delivery = 1; ; delivery++) {
      try {
        return await runIngestCalls(redis, c, on, maxOps);
      } catch (error) {
        if (!(error instanceof IngestContentionError) || delivery === 10) throw error;
      }
    }
  }

  /** Four series in one state key, and two of them also in a second (a name read on its own and as a part). */
  const SLOTS = ['a', 'b', 'c', 'd', 'a@2', 'c@2'];
  /**
   * How the waves' calls are made: the cardinality cap (0 none); the clock's ms per second of points;
   * whether the series started in the wave (each counts its whole value from its first point stored,
   * no reference sent) or long before it (a reference point of each is sent first).
   */
  type Setting = { cap: number; clockMsPerSecond: number; fresh: boolean };
  /**
   * The clock moves a minute for each second of the points: marks are refreshed, and a key another
   * collector was found in stops counting as contended ten minutes later.
   */
  const UNCAPPED: Setting = { cap: 0, clockMsPerSecond: 60_000, fresh: false };

  /** A point of each slot at `seconds`; a counter's value is its time, so an increase is the time between. */
  function pointsAt(seconds: number, digest: string, slots = SLOTS, setting = UNCAPPED): IngestCall {
    const ops = (key: string | undefined) =>
      slots
        .filter((slot) => slot.split('@')[1] === key)
        .map((slot) =>
          counter(
            slot.split('@')[0] as string,
            1_000 + seconds,
            600_000 + seconds * 1_000,
            setting.fresh ? 550_000 : 1,
          ),
        );
    const first = call(ops(undefined), digest, {
      nowMs: 1_000_000 + seconds * setting.clockMsPerSecond,
      maxActiveSeries: setting.cap,
    });
    const second = FIRST_TABLE_KEY + first.keys.length;
    return {
      ...first,
      keys: [...first.keys, seriesStateKey(ROLLOUT, 'requests_total_part')],
      ops: [...first.ops, ...ops('2').map((op) => ({ ...op, stateKey: second }))],
    };
  }

  /** One call: how far after the latest time (or before it: an old point), which series, whose, in parts of how many ops. */
  const aCall = fc.record({
    step: fc.integer({ min: 1, max: 40 }),
    old: fc.boolean(),
    series: fc.subarray(SLOTS, { minLength: 1 }),
    collector: fc.constantFrom(0, 0, 1),
    maxOps: fc.constantFrom(1, 2, 1_000),
    // How many microtasks later the next call starts (this one then further on its way: read, planned, sent).
    pause: fc.integer({ min: 0, max: 20 }),
    // Whether its collector sweeps just before it (`forgetIdle`), its other calls perhaps in flight. No
    // call here stamps its cells as `storeBatch` does, so a sweep forgets all but those made since the last.
    sweep: fc.boolean(),
  });
  type ACall = typeof aCall extends fc.Arbitrary<infer T> ? T : never;

  /**
   * Two collectors; calls started in waves without waiting for each other, so that states are read,
   * planned from, vouched for and written while other calls of the same collector are in Redis, some
   * points older than the series' last (ignored, their state written back unchanged), some calls in
   * parts, caches small enough to be dropped whole in the middle of a call or not, and idle cells
   * forgotten by sweeps while calls are in flight. With `trims`,
   * retention trims the states older than the latest point by so many seconds, at the start of a
   * wave, while its calls run, or the state hashes are lost whole (`'lost'`: expired, or Redis lost
   * them). Returns the total counted and the latest point's time.
   */
  async function waves(
    calls: ReadonlyArray<ReadonlyArray<ACall>>,
    cacheSize: number,
    trims: ReadonlyArray<number | 'lost' | undefined> = [],
    setting = UNCAPPED,
  ) {
    await redis.flushall();
    const collectors = [new SeriesStateCache(cacheSize), new SeriesStateCache(cacheSize)];
    // Every series' first point is its reference (started long before the wave), sent alone first.
    if (!setting.fresh) {
      await delivered(pointsAt(0, 'ref', SLOTS, setting), collectors[0] as SeriesStateCache, 1_000);
    }
    let latest = 0;
    // No point older than a trim's cutoff arrives after it (8 days in production): it would be taken
    // as its series' first point, and the increase since counted again.
    let floor = 1;
    const stateKeys = ['requests_total', 'requests_total_part'].map((metric) =>
      seriesStateKey(ROLLOUT, metric),
    );
    for (const [w, wave] of calls.entries()) {
      const running: Array<Promise<unknown>> = [];
      const trim = trims[w];
      if (trim === 'lost') {
        floor = Math.max(floor, latest);
        running.push(redis.del(...stateKeys));
      } else if (trim !== undefined) {
        const cutoff = 600_000 + (latest - trim) * 1_000;
        floor = Math.max(floor, latest - trim);
        for (const key of stateKeys) running.push(trimSeriesStates(redis, key, cutoff));
      }
      for (const [k, { step, old, series, collector, maxOps, pause, sweep }] of wave.entries()) {
        const seconds = old ? Math.max(floor, latest - step) : latest + step;
        latest = Math.max(latest, seconds);
        const c = pointsAt(seconds, `w${w}.${k}`, series, setting);
        const cache = collectors[collector] as SeriesStateCache;
        if (sweep) cache.forgetIdle();
        running.push(delivered(c, cache, maxOps));
        for (let tick = 0; tick < pause; tick++) await Promise.resolve();
      }
      await Promise.all(running);
    }
    // One more point for every series, sent alone: each series' total is then the increase from its
    // reference to that point.
    latest++;
    await delivered(pointsAt(latest, 'last', SLOTS, setting), collectors[0] as SeriesStateCache, 1_000);
    return { total: (await fields()).ci ?? 0, latest };
  }

  const WAVES = fc.array(fc.array(aCall, { minLength: 1, maxLength: 5 }), { maxLength: 12 });

  it('two collectors, waves of calls: every increase counted once', async () => {
    await fc.assert(
      fc.asyncProperty(WAVES, fc.constantFrom(3, 100_000), async (calls, cacheSize) => {
        const { total, latest } = await waves(calls, cacheSize);
        expect(total).toBe(SLOTS.length * latest);
      }),
      { numRuns: 200 },
    );
  });

  it('two collectors, waves of calls, retention trimming or states lost at once: no increase counted twice', async () => {
    const trim = fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constant('lost' as const));
    const trims = fc.array(fc.option(trim, { nil: undefined }), { maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(WAVES, fc.constantFrom(3, 100_000), trims, async (calls, cacheSize, trimmed) => {
        // A trimmed series' next point is its reference again: what came between is not counted.
        const { total, latest } = await waves(calls, cacheSize, trimmed);
        expect(total).toBeLessThanOrEqual(SLOTS.length * latest);
      }),
      { numRuns: 100 },
    );
  });

  it('two collectors, waves of calls, a cardinality cap: the series admitted counted once, no other', async () => {
    // Series new in the wave, so which are admitted depends on which call comes first; a second of points
    // is a second of the clock, so none admitted idles out of the cap (an hour) and lets another in.
    const capped = fc
      .integer({ min: 1, max: 3 })
      .map((cap) => ({ cap, clockMsPerSecond: 1_000, fresh: true }));
    await fc.assert(
      fc.asyncProperty(WAVES, fc.constantFrom(3, 100_000), capped, async (calls, cacheSize, setting) => {
        const { total, latest } = await waves(calls, cacheSize, [], setting);
        const admitted = await redis.zrange(activeSeriesKey(ROLLOUT), 0, -1);
        expect(admitted).toHaveLength(setting.cap);
        // Each admitted series counts its whole last value, from whichever of its points was stored first.
        const counted = SLOTS.filter((slot) => admitted.includes(slot.split('@')[0] as string));
        expect(total).toBe(counted.length * (1_000 + latest));
      }),
      { numRuns: 100 },
    );
  });

  it('two collectors, waves of calls, a cap that series idle out of and back into: each counted to its last stored point', async () => {
    // The clock moves 5 s or 2.5 min a second of points: series go silent past the cap's hour and leave
    // room that others, or they again, take; a refusal is remembered for a minute of that clock.
    const idling = fc
      .record({ cap: fc.integer({ min: 1, max: 3 }), clockMsPerSecond: fc.constantFrom(5_000, 150_000) })
      .map(({ cap, clockMsPerSecond }) => ({ cap, clockMsPerSecond, fresh: true }));
    await fc.assert(
      fc.asyncProperty(WAVES, fc.constantFrom(3, 100_000), idling, async (calls, cacheSize, setting) => {
        const { total, latest } = await waves(calls, cacheSize, [], setting);
        // Every series counts its whole value from its first point stored and each increase after, so
        // whatever the cap let in, and when, the total is the sum of the values the states hold last.
        let last = 0;
        for (const metric of ['requests_total', 'requests_total_part']) {
          const states = await redis.hgetall(seriesStateKey(ROLLOUT, metric));
          for (const [seriesId, text] of Object.entries(states)) {
            if (seriesId !== SERIES_STATE_WRITER_FIELD) last += parseState(text)?.fields.ci ?? Number.NaN;
          }
        }
        expect(total).toBe(last);
        // Marked within the window of the last call (the one that sent every series).
        const { nowMs, activeSeriesMs } = pointsAt(latest, 'last', SLOTS, setting);
        const active = await redis.zcount(activeSeriesKey(ROLLOUT), nowMs - activeSeriesMs, '+inf');
        expect(active).toBeLessThanOrEqual(setting.cap);
      }),
      { numRuns: 100 },
    );
  });

  // What the property above found (shrunk), kept as it ran. Four series and a cache of three cells,
  // dropped whole whenever a fourth is made: calls in flight hold cells that are no longer the cache's.
  // D began before a drop and applied after it, writing c = 1004 into its own cell, while the cache's
  // cell of c, made meanwhile by a part of C, held c = 1003, stamped by the chain. The chain went on
  // through D (it found the token it expected), so E took c = 1003 as vouched for and counted c's
  // increase from it again. Now a call that began before a drop breaks the chain when it applies.
  it('counts once when the cache is dropped (full) while calls are in flight', async () => {
    const collector = new SeriesStateCache(3);
    const at = (seconds: number, digest: string, ids = ['a', 'b', 'c', 'd']) =>
      call(
        ids.map((id) => counter(id, 1_000 + seconds, 600_000 + seconds * 1_000)),
        digest,
      );
    const send = (c: IngestCall, maxOps = 1) => delivered(c, collector, maxOps);
    await send(at(0, 'ref'), 1_000);
    await Promise.all([send(at(1, 'A', ['c', 'd'])), send(at(2, 'B', ['d']))]);
    await Promise.all([send(at(3, 'C')), send(at(4, 'D', ['a', 'c', 'd']), 1_000)]);
    expect((await fields()).ci).toBe(4 + 3 + 4 + 4);
    await send(at(5, 'E', ['c', 'd']));
    expect((await fields()).ci).toBe(4 + 3 + 5 + 5);
  });
});

describe('the upgrade fence: a collector of the version before writer tokens during a rolling upgrade', () => {
  const STATES = seriesStateKey(ROLLOUT, 'requests_total');
  const OLD_STATES = seriesStateFenceKey(STATES);
  /** That version's script as Redis ran it (see the fixture's head). */
  const BEFORE_TOKENS = readFileSync(
    new URL('./fixtures/ingest-before-writer-tokens.lua', import.meta.url),
    'utf8',
  );

  /**
   * One counter point sent as a collector of that version sent it: its client reads the state under
   * the older name (HMGET; `expected` given instead skips that read), takes the increase, and its
   * script checks that state and writes the new one there, adding the increase to BUCKET.
   */
  async function oldCollector(
    seriesId: string,
    value: number,
    timeMs: number,
    digest: string,
    expected?: string,
  ) {
    const stored = expected ?? (await redis.hmget(OLD_STATES, seriesId))[0] ?? '';
    const previous = /ci=(\S+)/.exec(stored)?.[1];
    // A series' first point is its reference (started long before), as in `counter`.
    const increase = previous === undefined ? [] : ['ci', String(value - Number(previous))];
    const keys = [batchMarkersKey(ROLLOUT), activeSeriesKey(ROLLOUT), OLD_STATES, BUCKET];
    // That version's protocol: a state section is (keyIndex, count), no writer token anywhere.
    const list = [
      3,
      1,
      seriesId,
      `1 ${timeMs} ci=${value}`,
      4,
      600,
      increase.length / 2,
      ...increase,
      '',
      '',
      '',
      '',
    ];
    const args = [digest, 1_000_000, 3_600_000, 0, 3_600_000, 3600, 0, 1, 1, list.join('\n'), stored];
    return redis.eval(BEFORE_TOKENS, keys.length, ...keys, ...args);
  }

  it('names the fence under the same hash tag as the states, with the name they had before', () => {
    expect(OLD_STATES).toBe(rolloutKeys(ROLLOUT).seriesStateFence('requests_total'));
    expect(STATES).toBe('rg:{checkout}:series-state2:requests_total');
    expect(OLD_STATES).toBe('rg:{checkout}:series-state:requests_total');
  });

  it('makes the older script and client fail with WRONGTYPE once a newer collector wrote, writing no bucket', async () => {
    await ingest(call([counter('s', 100, 600_000)], 'n1'));
    await ingest(call([counter('s', 130, 610_000)], 'n2'));
    expect(await redis.get(OLD_STATES)).toMatch(/^moved to series-state2/);
    const fenceTtl = await redis.ttl(OLD_STATES);
    expect(fenceTtl).toBeGreaterThan(SERIES_STATE_FENCE_TTL_SECONDS - 10);
    expect(fenceTtl).toBeLessThanOrEqual(SERIES_STATE_FENCE_TTL_SECONDS);
    // Its script, sent the state it would have found (none under the older name): fails before writing.
    await expect(oldCollector('s', 150, 620_000, 'o1', '')).rejects.toThrow(/WRONGTYPE/);
    // Its client's read fails first.
    await expect(oldCollector('s', 150, 620_000, 'o1')).rejects.toThrow(/WRONGTYPE/);
    expect(await fields()).toEqual({ ci: 30 });
    expect(await redis.hget(STATES, 's')).toBe('1 610000 ci=130');
    expect(await redis.zcard(batchMarkersKey(ROLLOUT))).toBe(2);
  });

  it('moves the states an older collector left to the new name on the first call, counting on from them', async () => {
    await oldCollector('s', 100, 600_000, 'o1');
    await oldCollector('s', 130, 610_000, 'o2');
    await oldCollector('t', 7, 610_000, 'o3');
    expect(await fields()).toEqual({ ci: 30 });
    // A newer collector, fresh: finds nothing under the new name, is told by its script that the state
    // changed (moved there meanwhile), reads it and counts 130 → 150.
    expect(await ingest(call([counter('s', 150, 620_000)], 'n1'))).toMatchObject({
      applied: true,
      retries: { changed: 1, cap: 0 },
    });
    expect(await fields()).toEqual({ ci: 50 });
    expect(await redis.hget(STATES, 't')).toBe('1 610000 ci=7');
    expect(await redis.type(OLD_STATES)).toBe('string');
    await ingest(call([counter('s', 160, 630_000), counter('t', 9, 630_000)], 'n2'));
    expect(await fields()).toEqual({ ci: 62 });
  });

  it('lets an older collector write again once the fence expired (a downgrade), and takes its states back after', async () => {
    await ingest(call([counter('s', 100, 600_000)], 'n1'));
    await ingest(call([counter('s', 130, 610_000)], 'n2'));
    // The last newer collector gone for longer than the fence lives.
    await redis.pexpire(OLD_STATES, 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    // The older collectors start their states afresh: the first point is a reference, then 200 → 230.
    await oldCollector('s', 200, 620_000, 'o1');
    await oldCollector('s', 230, 630_000, 'o2');
    expect(await fields()).toEqual({ ci: 60 });
    // Upgraded again: the newer collector that still remembers 130 counts 230 → 250, not 130 → 250.
    await ingest(call([counter('s', 250, 640_000)], 'n3'));
    expect(await fields()).toEqual({ ci: 80 });
    expect(await redis.hget(STATES, 's')).toBe('1 640000 ci=250');
    await expect(oldCollector('s', 260, 650_000, 'o3')).rejects.toThrow(/WRONGTYPE/);
  });

  it('compares states renamed back for a downgrade when they return, though they hold its token', async () => {
    await ingest(call([counter('s', 100, 600_000)], 'n1'));
    await ingest(call([counter('s', 130, 610_000)], 'n2'));
    // The downgrade of deploy/README.md: the states renamed back over the fence, token and all.
    await redis.rename(STATES, OLD_STATES);
    await oldCollector('s', 150, 620_000, 'o1');
    expect(await fields()).toEqual({ ci: 50 });
    // A newer collector that never stopped, its chain still at that token: 150 → 170, not 130 → 170.
    await ingest(call([counter('s', 170, 630_000)], 'n3'));
    expect(await fields()).toEqual({ ci: 70 });
  });

  it('counts every increase once while older and newer collectors take turns with a series', async () => {
    let value = 100;
    let expected = 0;
    await ingest(call([counter('s', value, 600_000)], 'n0'));
    for (let i = 1; i <= 8; i++) {
      const next = value + i;
      const timeMs = 600_000 + i * 10_000;
      // Every other point reaches an older collector first; failing, it is sent again to a newer one.
      if (i % 2 === 1) await expect(oldCollector('s', next, timeMs, `o${i}`)).rejects.toThrow(/WRONGTYPE/);
      await ingest(call([counter('s', next, timeMs)], `n${i}`));
      expected += next - value;
      value = next;
    }
    expect(await fields()).toEqual({ ci: expected });
  });
});
