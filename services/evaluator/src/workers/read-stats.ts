import { readCohortStats } from '@rollout-guard/shared/store';
import type { ReadStats } from '../measure/measure-check.ts';
import type { WorkerContext } from './context.ts';

/** Reads statistics from the collector's buckets in this worker's Redis. */
export function readStatsFrom(ctx: WorkerContext): (rollout: string) => ReadStats {
  return (rollout) => (metric, cohort, window, wanted) =>
    readCohortStats(ctx.redis, { rollout, metric, cohort, window, nowMs: ctx.now() }, wanted);
}
