import type { RedisClient } from '../redis/create-redis.ts';
import { globalKeys } from '../redis/keys.ts';
import { luaScript, runScript } from '../store/lua-script.ts';
import type { BacktestRequest } from './request.ts';

/** How long a finished backtest's report is kept. */
export const BACKTEST_TTL_SECONDS = 7 * 24 * 3600;

/** `retrying`: an attempt failed on something that may pass (Prometheus down); `error` says what, and it runs again. */
export type BacktestStatus = 'queued' | 'running' | 'retrying' | 'done' | 'failed';

/** A backtest as the API shows it: its request, where it is, and its report or error when finished. */
export interface BacktestRecord {
  readonly id: string;
  readonly status: BacktestStatus;
  readonly request: BacktestRequest;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** What the user should know about the data read (resolution, checks not replayed). */
  readonly notes: readonly string[];
  /** Why it failed, or (retrying) why the last attempt did. */
  readonly error: string | null;
  /** Attempts started: a job retried after a failure that may pass counts each. */
  readonly attempts: number;
  /** The report (`runBacktest`'s), JSON; null until done. */
  readonly report: unknown;
}

export async function putBacktest(redis: RedisClient, record: BacktestRecord): Promise<void> {
  await redis.set(globalKeys.backtest(record.id), JSON.stringify(record), 'EX', BACKTEST_TTL_SECONDS);
}

export async function getBacktest(redis: RedisClient, id: string): Promise<BacktestRecord | null> {
  const text = await redis.get(globalKeys.backtest(id));
  if (text === null) return null;
  const record = JSON.parse(text) as Partial<BacktestRecord> & Omit<BacktestRecord, 'attempts'>;
  return { ...record, attempts: record.attempts ?? 0 };
}

const replaceAttempt = luaScript('replace-attempt', new URL('./replace-attempt.lua', import.meta.url));

/**
 * Writes `record` only if the stored record still holds `attempts` (and, with `unfinished`, is neither done
 * nor failed), in one step in Redis: an attempt claims a backtest, and later settles it, only while no other
 * attempt has taken it over since it read it. Returns whether it was written.
 */
export async function replaceBacktestIf(
  redis: RedisClient,
  record: BacktestRecord,
  expected: { readonly attempts: number; readonly unfinished?: boolean },
): Promise<boolean> {
  const written = await runScript(
    redis,
    replaceAttempt,
    [globalKeys.backtest(record.id)],
    [
      expected.attempts,
      JSON.stringify(record),
      BACKTEST_TTL_SECONDS,
      expected.unfinished === true ? 'unfinished' : '',
    ],
  );
  return written === 1;
}
