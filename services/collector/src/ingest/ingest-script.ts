import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient } from '@rollout-guard/shared/redis';
import { activeSeriesKey, batchMarkersKey } from '@rollout-guard/shared/store';
import { CallSeries } from './call-series.ts';
import type { IngestCall } from './ingest-call.ts';
import { planCall } from './plan-call.ts';
import { SeriesStateCache } from './series-state.ts';

const LUA = readFileSync(new URL('./ingest.lua', import.meta.url), 'utf8');
const SHA = createHash('sha1').update(LUA).digest('hex');

export interface IngestResult {
  /** False when this rollout had already applied the batch (a retry): nothing was counted again. */
  applied: boolean;
  accepted: number;
  refusedByCap: number;
  /** Out of order or repeated points of cumulative series: already counted by a newer point. */
  ignored: number;
  /** Calls repeated because states differed from this collector's copy, or new series met the cap. */
  retries: { changed: number; cap: number };
}

/** Calls refused because series changed under them or met the cap, before the batch fails (503). */
const MAX_ATTEMPTS = 6;

/**
 * The script refused every attempt: the rollout's series kept changing under this collector (several
 * collectors writing the same series at once) or meeting the cap. Nothing was written; the sender's
 * retry is applied once.
 */
export class IngestContentionError extends Error {
  constructor(rollout: string, attempts: number) {
    super(
      `rollout "${rollout}": its series were changed by another writer, or met the cardinality cap, on each of ${attempts} attempts; nothing of this batch is stored for it`,
    );
    this.name = 'IngestContentionError';
  }
}

const caches = new WeakMap<RedisClient, SeriesStateCache>();

/** The series-state cache of one Redis connection: one per collector process in practice. */
export function seriesStateCacheOf(redis: RedisClient): SeriesStateCache {
  let cache = caches.get(redis);
  if (cache === undefined) {
    cache = new SeriesStateCache();
    caches.set(redis, cache);
  }
  return cache;
}

/**
 * Stores one rollout's part of a batch. The increases of cumulative series and the sums per bucket
 * key are computed here, from the states this collector knows (read from Redis the first time);
 * the script applies them only if the batch is new, every new series is under the cap and every
 * state is still the one computed from — otherwise it writes nothing, says what differed, and this
 * computes again. EVALSHA, and EVAL once when Redis does not have the script cached.
 */
export async function runIngestScript(
  redis: RedisClient,
  call: IngestCall,
  cache: SeriesStateCache = seriesStateCacheOf(redis),
): Promise<IngestResult> {
  const keys = [batchMarkersKey(call.rollout), activeSeriesKey(call.rollout), ...call.keys];
  const series = new CallSeries(call, cache);
  const retries = { changed: 0, cap: 0 };
  for (let attempt = 1; ; attempt++) {
    await series.loadStates(redis);
    const plan = planCall(call, series);
    const reply = (await evalIngest(redis, keys, plan.args)) as Array<number | string>;
    if (reply[0] === 0) return { applied: false, accepted: 0, refusedByCap: 0, ignored: 0, retries };
    if (reply[0] === 1) {
      series.applied();
      return {
        applied: true,
        accepted: plan.accepted,
        refusedByCap: plan.refused,
        ignored: plan.ignored,
        retries,
      };
    }
    if (attempt >= MAX_ATTEMPTS) throw new IngestContentionError(call.rollout, MAX_ATTEMPTS);
    if (reply[0] === 2) {
      retries.cap++;
      for (const sid of reply.slice(1)) series.refuse(String(sid));
    } else {
      retries.changed++;
      // Redis holds other states than this collector thought: read those again, and trust no mark.
      series.forgetMarks();
      for (let i = 1; i < reply.length; i += 2) series.forgetState(Number(reply[i]), String(reply[i + 1]));
    }
  }
}

async function evalIngest(redis: RedisClient, keys: string[], args: Array<string | number>) {
  try {
    return await redis.evalsha(SHA, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return await redis.eval(LUA, keys.length, ...keys, ...args);
  }
}
