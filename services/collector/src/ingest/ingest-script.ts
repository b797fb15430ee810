import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient } from '@rollout-guard/shared/redis';
import { activeSeriesKey, batchMarkersKey } from '@rollout-guard/shared/store';

const LUA = readFileSync(new URL('./ingest.lua', import.meta.url), 'utf8');
const SHA = createHash('sha1').update(LUA).digest('hex');

/** One series' contribution to one rollout, as the ingest script takes it. */
export type IngestOp =
  | (OpBase & {
      /** Delta or raw sample: `v` is added as it is. */
      k: 'd';
    })
  | (OpBase & {
      /** Cumulative: `v` is the running total; the script adds its increase since the series' last point. */
      k: 'c';
      /** Index (1-based, into KEYS) of the series state hash. */
      sk: number;
      /** Start of the cumulative stream (unix ms), 0 when unknown. */
      st: number;
      /** Point time (unix ms): a point not newer than the last one seen is ignored. */
      ts: number;
      /** Monotonic: a component that went down means the counter was reset. */
      mono: boolean;
    });

interface OpBase {
  /** The series id (metric and attributes): the cardinality cap and the cumulative state are per series. */
  sid: string;
  /** Index into `targets`: which bucket keys the contribution goes to. */
  t: number;
  /** Fields to add (the bucket field scheme of @rollout-guard/shared/store). */
  v: Record<string, number>;
  mn?: number;
  mx?: number;
  lv?: number;
  lt?: number;
  /** How many data points the op stands for (a histogram reassembled from many samples is one op). */
  np?: number;
}

export interface IngestCall {
  rollout: string;
  /** Digest of the batch; the script applies a digest once per rollout. Empty: no idempotence marker. */
  digest: string;
  nowMs: number;
  /** Keys beyond the two fixed ones, referenced by 1-based index + 2 … see `KeyTable`. */
  keys: string[];
  /** Target groups: each a list of [key index into KEYS (1-based), ttl seconds]. */
  targets: Array<Array<[number, number]>>;
  ops: IngestOp[];
  /** Cardinality cap: active series per rollout (0: none). */
  maxActiveSeries: number;
  /** A series not seen for this long no longer counts as active. */
  activeSeriesMs: number;
  /** How long the cumulative state of a series is kept after its last point. */
  seriesStateSeconds: number;
  /** How long a batch digest is remembered: longer than any sender keeps retrying one batch. */
  markerMs: number;
  /** A never-seen cumulative series that started at or after this time counts its whole value. */
  freshAfterMs: number;
}

export interface IngestResult {
  /** False when this rollout had already applied the batch (a retry): nothing was counted again. */
  applied: boolean;
  accepted: number;
  refusedByCap: number;
  /** Out of order or repeated points of cumulative series: already counted by a newer point. */
  ignored: number;
}

/** Builds the key table for one call: fixed keys first, then each distinct key once. */
export class KeyTable {
  readonly keys: string[] = [];
  readonly #index = new Map<string, number>();
  /** The KEYS index (1-based) of `key`, adding it if new. */
  indexOf(key: string): number {
    let index = this.#index.get(key);
    if (index === undefined) {
      this.keys.push(key);
      index = this.keys.length + 2;
      this.#index.set(key, index);
    }
    return index;
  }
}

/** Runs the ingest script for one rollout: EVALSHA, and EVAL once when Redis does not have it cached. */
export async function runIngestScript(redis: RedisClient, call: IngestCall): Promise<IngestResult> {
  const keys = [batchMarkersKey(call.rollout), activeSeriesKey(call.rollout), ...call.keys];
  const arg = JSON.stringify({
    d: call.digest,
    now: call.nowMs,
    mttl: call.markerMs,
    cap: call.maxActiveSeries,
    sttl: call.activeSeriesMs,
    sttlSec: call.seriesStateSeconds,
    fresh: call.freshAfterMs,
    tg: call.targets,
    p: call.ops,
  });
  let reply: unknown;
  try {
    reply = await redis.evalsha(SHA, keys.length, ...keys, arg);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    reply = await redis.eval(LUA, keys.length, ...keys, arg);
  }
  const [applied, accepted, refused, ignored] = reply as [number, number, number, number];
  return { applied: applied === 1, accepted, refusedByCap: refused, ignored };
}
