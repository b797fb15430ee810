import type { RedisClient } from '../redis/create-redis.ts';
import { globalKeys } from '../redis/keys.ts';
import type { BacktestRequest } from './request.ts';

/** How long a finished backtest's report is kept. */
export const BACKTEST_TTL_SECONDS = 7 * 24 * 3600;

export type BacktestStatus = 'queued' | 'running' | 'done' | 'failed';

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
  readonly error: string | null;
  /** The report (`runBacktest`'s), JSON; null until done. */
  readonly report: unknown;
}

export async function putBacktest(redis: RedisClient, record: BacktestRecord): Promise<void> {
  await redis.set(globalKeys.backtest(record.id), JSON.stringify(record), 'EX', BACKTEST_TTL_SECONDS);
}

export async function getBacktest(redis: RedisClient, id: string): Promise<BacktestRecord | null> {
  const text = await redis.get(globalKeys.backtest(id));
  return text === null ? null : (JSON.parse(text) as BacktestRecord);
}
