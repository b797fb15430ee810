import type { ActiveRollout } from './active-view.ts';
import { bucketKey, COHORTS, RESOLUTIONS } from './buckets.ts';
import { luaScript, type RedisConnection, runScript } from './lua-script.ts';

const compactBuckets = luaScript('compact-buckets', new URL('./compact-buckets.lua', import.meta.url));

/**
 * Writes to a bucket stop this long after its end (late points aside): the ingest script keeps a large
 * bucket as a hash table while it is written (services/collector/src/ingest/ingest.lua,
 * `bucket_as_table`) and the sweep compacts it once this has passed.
 */
export const BUCKET_SETTLE_MS = 20_000;
/**
 * How far back from the settled edge each sweep looks: several sweeps (every 10 s) cover every bucket,
 * so one missed sweep leaves no table behind.
 */
export const COMPACTION_SPAN_MS = 60_000;
/** Redis's default hash-max-listpack-entries: a hash with more fields stays a table when restored. */
const LISTPACK_MOST_FIELDS = 512;

/**
 * The rollout's bucket keys that ended in the span before the settled edge, at every resolution, for
 * every metric and cohort it collects. A 7-day window's buckets are never all listed: at most the
 * span's six 10 s buckets and one 5 min or 1 h bucket per metric and cohort.
 */
export function settledBucketKeys(view: ActiveRollout, now: number): string[] {
  const settled = now - BUCKET_SETTLE_MS;
  const keys: string[] = [];
  for (const resolution of RESOLUTIONS) {
    // Buckets whose end lies in (settled - span, settled]: starts in (settled - span - ms, settled - ms].
    const last = Math.floor((settled - resolution.ms) / resolution.ms) * resolution.ms;
    for (let start = last; start + resolution.ms > settled - COMPACTION_SPAN_MS; start -= resolution.ms) {
      for (const metric of view.metrics) {
        for (const cohort of COHORTS) keys.push(bucketKey(view.name, resolution.name, metric, cohort, start));
      }
    }
  }
  return keys;
}

/**
 * Gives the rollout's settled buckets their compact encoding back (about a fifth of a table's memory
 * for a few hundred short fields). Safe from any number of evaluators: a compacted bucket is skipped,
 * and a late write to one only makes it a table again until the next sweep that still covers it.
 */
export async function compactSettledBuckets(
  redis: RedisConnection,
  view: ActiveRollout,
  now: number,
): Promise<number> {
  const keys = settledBucketKeys(view, now);
  if (keys.length === 0) return 0;
  return Number(await runScript(redis, compactBuckets, keys, [LISTPACK_MOST_FIELDS]));
}
