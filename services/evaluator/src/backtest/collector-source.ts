import type { CohortStats } from '@rollout-guard/shared/stats';
import { type RedisConnection, readCohortStats } from '@rollout-guard/shared/store';
import type { BacktestSource } from './replay.ts';

/**
 * The collector's stored buckets of one rollout, read as time ranges: 10 s buckets for the last 6 hours,
 * 5 min and 1 h buckets for 8 days (the request was checked against that before it was queued).
 */
export function collectorSource(redis: RedisConnection, rollout: string, nowMs: number): BacktestSource {
  return {
    read(metric, cohort, fromMs, toMs, wanted): Promise<CohortStats | null> {
      return readCohortStats(
        redis,
        { rollout, metric, cohort, window: { kind: 'range', fromMs, toMs }, nowMs },
        wanted,
      );
    },
  };
}
