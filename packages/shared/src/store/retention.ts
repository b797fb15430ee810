import { rolloutKeys } from '../redis/keys.ts';
import type { RolloutSpec } from '../spec/resolved.ts';
import { metricsOf } from './active-view.ts';
import { SERIES_STATE_WRITER_FIELD, seriesStateKey } from './buckets.ts';
import { luaScript, type RedisConnection, runScript } from './lua-script.ts';
import type { StoredState } from './records.ts';

const hdelUnchanged = luaScript('hdel-unchanged', new URL('./hdel-unchanged.lua', import.meta.url));

/** How long each part of a rollout's record is kept (the `*_RETENTION` variables). */
export interface RetentionPolicy {
  /** Audit entries older than this are trimmed (the stream's ids are their times). */
  readonly auditMs: number;
  /** Decisions older than this are removed with their index entries. */
  readonly decisionsMs: number;
  /** Spec versions kept: the newest this many, plus the current one and the one the state judges by. */
  readonly specVersions: number;
  /** A series whose last sample is older than this loses its cumulative state (a new sample starts afresh). */
  readonly seriesStateMs: number;
}

/** The variables' defaults (config/retention-env.ts). */
export const DEFAULT_RETENTION: RetentionPolicy = {
  auditMs: 365 * 86_400_000,
  decisionsMs: 90 * 86_400_000,
  specVersions: 100,
  seriesStateMs: 8 * 86_400_000,
};

export interface RetentionTrimmed {
  audit: number;
  decisions: number;
  specVersions: number;
  seriesStates: number;
}

/** At most this many decisions or series states are removed per part and call: the next sweep goes on. */
const BATCH = 1000;

/**
 * Trims one rollout's record to the retention: a bounded amount of work per call, safe to run from
 * any number of evaluators at once (every removal is idempotent, series states removed only if
 * unchanged since read). Metric buckets need nothing here: each carries its own TTL.
 */
export async function trimRetention(
  redis: RedisConnection,
  name: string,
  policy: RetentionPolicy,
  now: number,
): Promise<RetentionTrimmed> {
  const keys = rolloutKeys(name);
  const audit = Number(await redis.xtrim(keys.audit, 'MINID', Math.max(0, now - policy.auditMs)));

  const old = await redis.zrangebyscore(
    keys.decisionIndex,
    '-inf',
    `(${now - policy.decisionsMs}`,
    'LIMIT',
    0,
    BATCH,
  );
  if (old.length > 0) {
    await redis.hdel(keys.decisions, ...old);
    await redis.zrem(keys.decisionIndex, ...old);
  }

  const rawState = await redis.get(keys.state);
  const state = rawState === null ? null : (JSON.parse(rawState) as StoredState);
  const fields = await redis.hkeys(keys.spec);
  const current = Number((await redis.hget(keys.spec, 'current')) ?? 0);
  const versions = fields
    .filter((field) => /^v\d+$/.test(field))
    .map((field) => Number(field.slice(1)))
    .sort((a, b) => b - a);
  const keep = new Set([
    ...versions.slice(0, policy.specVersions),
    current,
    state?.state.specVersion ?? current,
  ]);
  const dropped = versions.filter((version) => !keep.has(version)).map((version) => `v${version}`);
  if (dropped.length > 0) await redis.hdel(keys.spec, ...dropped);

  let seriesStates = 0;
  const currentSpec = current === 0 ? null : await redis.hget(keys.spec, `v${current}`);
  if (currentSpec !== null) {
    const spec = (JSON.parse(currentSpec) as { spec: RolloutSpec }).spec;
    for (const metric of metricsOf(spec)) {
      seriesStates += await trimSeriesStates(redis, seriesStateKey(name, metric), now - policy.seriesStateMs);
    }
  }
  return { audit, decisions: old.length, specVersions: dropped.length, seriesStates };
}

/** A stored cumulative state is `<start> <time> …` (collector, series-state.ts); the time says when it was last written. */
function lastSampleAt(state: string): number {
  return Number(state.split(' ', 2)[1]);
}

/**
 * Removes from one series-state hash the states last written before `cutoff`, each only if unchanged
 * since read, and with any removal the collector's writer token. Returns how many were removed.
 */
export async function trimSeriesStates(redis: RedisConnection, key: string, cutoff: number): Promise<number> {
  let removed = 0;
  let cursor = '0';
  do {
    const [next, entries] = await redis.hscan(key, cursor, 'COUNT', BATCH);
    cursor = next;
    const stale: string[] = [];
    for (let i = 0; i + 1 < entries.length; i += 2) {
      if (entries[i] === SERIES_STATE_WRITER_FIELD) continue;
      const at = lastSampleAt(entries[i + 1]!);
      if (Number.isFinite(at) && at < cutoff) stale.push(entries[i]!, entries[i + 1]!);
    }
    // The writer token goes with any state removed: the collector that wrote last reads the hash again.
    if (stale.length > 0) {
      removed += Number(await runScript(redis, hdelUnchanged, [key], [SERIES_STATE_WRITER_FIELD, ...stale]));
    }
  } while (cursor !== '0' && removed < BATCH * 10);
  return removed;
}
