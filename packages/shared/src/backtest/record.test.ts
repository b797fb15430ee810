import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globalKeys } from '../redis/keys.ts';
import { startRedis, type TestRedis } from '../testing/index.ts';
import { type BacktestRecord, getBacktest, putBacktest, replaceBacktestIf } from './record.ts';
import { backtestRequestSchema } from './request.ts';

let server: TestRedis;
let redis: Redis;

beforeAll(async () => {
  server = await startRedis({ appendonly: false });
  redis = new Redis(server.url);
});

afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

function record(id: string, changes: Partial<BacktestRecord> = {}): BacktestRecord {
  return {
    id,
    status: 'queued',
    request: backtestRequestSchema.parse({
      spec: 'apiVersion: x',
      from: 1_700_000_000_000,
      to: 1_700_003_600_000,
      interval: '1m',
      runs: 1,
      source: { kind: 'collector', rollout: 'checkout' },
    }),
    createdAt: 1_700_000_000_000,
    startedAt: null,
    finishedAt: null,
    notes: [],
    error: null,
    attempts: 0,
    report: null,
    ...changes,
  };
}

describe('replaceBacktestIf', () => {
  it('lets one of two attempts that read the same record claim it, and keeps the record byte for byte', async () => {
    await putBacktest(redis, record('bt_race'));
    const claims = await Promise.all(
      ['a', 'b'].map((note) =>
        replaceBacktestIf(redis, record('bt_race', { status: 'running', attempts: 1, notes: [note] }), {
          attempts: 0,
          unfinished: true,
        }),
      ),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    const stored = await getBacktest(redis, 'bt_race');
    expect(stored).toMatchObject({ status: 'running', attempts: 1 });
    // Written as the caller encoded it: an empty list stays a list, the timestamps stay whole.
    expect(await redis.get(globalKeys.backtest('bt_race'))).toBe(JSON.stringify(stored));
  });

  it('refuses a settle from an attempt a later one has overtaken', async () => {
    await putBacktest(redis, record('bt_late', { status: 'running', attempts: 2 }));
    const late = record('bt_late', { status: 'done', attempts: 1, report: { runs: [] } });
    expect(await replaceBacktestIf(redis, late, { attempts: 1 })).toBe(false);
    expect(await getBacktest(redis, 'bt_late')).toMatchObject({
      status: 'running',
      attempts: 2,
      report: null,
    });
    const own = record('bt_late', { status: 'done', attempts: 2, report: { runs: [] } });
    expect(await replaceBacktestIf(redis, own, { attempts: 2 })).toBe(true);
    expect(await getBacktest(redis, 'bt_late')).toMatchObject({ status: 'done', report: { runs: [] } });
    expect(await redis.ttl(globalKeys.backtest('bt_late'))).toBeGreaterThan(0);
  });

  it('does not claim a finished backtest or one that is gone, and reads a record stored before attempts', async () => {
    await putBacktest(redis, record('bt_done', { status: 'done', attempts: 1 }));
    const again = record('bt_done', { status: 'running', attempts: 2 });
    expect(await replaceBacktestIf(redis, again, { attempts: 1, unfinished: true })).toBe(false);
    expect(await replaceBacktestIf(redis, record('bt_gone'), { attempts: 0 })).toBe(false);
    expect(await redis.exists(globalKeys.backtest('bt_gone'))).toBe(0);

    const { attempts: _, ...old } = record('bt_old');
    await redis.set(globalKeys.backtest('bt_old'), JSON.stringify(old));
    const claim = record('bt_old', { status: 'running', attempts: 1 });
    expect(await replaceBacktestIf(redis, claim, { attempts: 0, unfinished: true })).toBe(true);
  });
});
