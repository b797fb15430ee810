import type { RedisClient } from '../redis/create-redis.ts';
import type { CohortStats } from '../stats/index.ts';
import {
  type BucketVector,
  baselineKey,
  bucketKey,
  type Cohort,
  emptyBucketVector,
  mergeBucketVector,
  parseBucketFields,
  planWindow,
  waveTotalKey,
} from './buckets.ts';
import { type StatsWanted, toCohortStats } from './buckets-stats.ts';

/** Which data to read: a trailing window [fromMs, toMs), a wave's running total, or the baseline. */
export type BucketWindow =
  | { readonly kind: 'range'; readonly fromMs: number; readonly toMs: number }
  | { readonly kind: 'wave'; readonly waveEpoch: number }
  | { readonly kind: 'baseline' };

export interface BucketQuery {
  readonly rollout: string;
  readonly metric: string;
  /** Ignored for `baseline`, which is the whole population. */
  readonly cohort: Cohort;
  readonly window: BucketWindow;
  /** Decides which resolutions are still kept (default: now). */
  readonly nowMs?: number;
}

/** The keys a query reads: one for a wave or the baseline, the planned buckets for a range. */
export function keysFor(query: BucketQuery): string[] {
  const { rollout, metric, cohort, window } = query;
  switch (window.kind) {
    case 'wave':
      return [waveTotalKey(rollout, window.waveEpoch, metric, cohort)];
    case 'baseline':
      return [baselineKey(rollout, metric)];
    case 'range':
      return planWindow(window.fromMs, window.toMs, query.nowMs ?? Date.now()).map((ref) =>
        bucketKey(rollout, ref.resolution.name, metric, cohort, ref.startMs),
      );
  }
}

/** Reads and merges the buckets of a query in one pipelined round trip (one slot: one rollout's hash tag). */
export async function readBucketVector(redis: RedisClient, query: BucketQuery): Promise<BucketVector> {
  const keys = keysFor(query);
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.hgetall(key);
  const replies = (await pipeline.exec()) ?? [];
  const merged = emptyBucketVector();
  for (const [error, fields] of replies) {
    if (error) throw error;
    mergeBucketVector(merged, parseBucketFields(fields as Record<string, string>));
  }
  return merged;
}

/** The decision core's statistic for a query, or null when no data arrived in it. */
export async function readCohortStats(
  redis: RedisClient,
  query: BucketQuery,
  wanted: StatsWanted = 'auto',
): Promise<CohortStats | null> {
  return toCohortStats(await readBucketVector(redis, query), wanted);
}
