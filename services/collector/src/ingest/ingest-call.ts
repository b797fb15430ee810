import type { RedisClient } from '@rollout-guard/shared/redis';
import { CallSeries } from './call-series.ts';
import { planCall } from './plan-call.ts';
import { type ScriptReply, sendScriptCall } from './script-protocol.ts';
import type { SeriesCell, SeriesStateCache } from './series-state.ts';
import { splitCall } from './split-call.ts';

/*
 * One rollout's part of a batch, stored: read the states the call does not know, plan (increases
 * and sums per bucket key), send the plan to the ingest script, then apply what it answered — done,
 * or retry without the series the cap refused, or with the states that changed read again.
 */

/** One series' contribution to one rollout: a point's fields, added as they are or as an increase. */
export type IngestOp = DeltaOp | CumulativeOp;

export interface DeltaOp extends OpBase {
  /** A delta or a raw sample: `fields` are added as they are. */
  readonly kind: 'delta';
}

export interface CumulativeOp extends OpBase {
  /** `fields` are running totals: their increase since the series' last point is added. */
  readonly kind: 'cumulative';
  /** The KEYS index of the series-state hash (`KeyTable`). */
  readonly stateKey: number;
  /** Start of the cumulative stream (unix ms), 0 when unknown. */
  readonly startMs: number;
  /** Time of the point (unix ms): a point not newer than the series' last one is ignored. */
  readonly timeMs: number;
  /** A component that went down means the counter was reset. */
  readonly monotonic: boolean;
}

interface OpBase {
  /** The series (metric and attributes): the cardinality cap and the cumulative state are per series. */
  readonly seriesId: string;
  /** Index into the call's `groups`: the bucket keys the contribution goes to. */
  readonly group: number;
  /** In the bucket field scheme of @rollout-guard/shared/store. */
  readonly fields: Readonly<Record<string, number>>;
  readonly min?: number | undefined;
  readonly max?: number | undefined;
  /** The point's value as a level, and its time: kept as the bucket's last value. */
  readonly lastValue?: number | undefined;
  readonly lastTime?: number | undefined;
  /** How many data points the op stands for (0 for a point's second contribution); 1 when absent. */
  readonly points?: number;
  /** The series' cell in the collector's cache, when the caller kept it from an earlier batch. */
  readonly cell?: SeriesCell | undefined;
}

/** A bucket key a target group writes to, and how long the key is kept. */
export interface GroupKey {
  readonly keyIndex: number;
  readonly ttlSeconds: number;
}

export interface IngestCall {
  rollout: string;
  /** Digest of the batch; the script applies a digest once per rollout. Empty: no idempotence marker. */
  digest: string;
  nowMs: number;
  /** The call's key table (`KeyTable.keys`): ops and groups refer to keys by their KEYS index. */
  keys: readonly string[];
  /** Target groups: the bucket keys one point of a metric, cohort and time adds to. */
  groups: ReadonlyArray<readonly GroupKey[]>;
  ops: readonly IngestOp[];
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
  /** Calls repeated, by why. */
  retries: Retries;
}

/**
 * Why the script refused a call that was then sent again: `changed`, states differed from this
 * collector's copy; `cap`, new series met the cap; `unvouched`, the states a call left out as vouched
 * for could not be taken as stored (another token in the hash).
 */
export type RetryReason = 'changed' | 'cap' | 'unvouched';
export type Retries = Record<RetryReason, number>;

export function noRetries(): Retries {
  return { changed: 0, cap: 0, unvouched: 0 };
}

/** Adds `from`'s retries to `into`'s. */
export function addRetries(into: Retries, from: Readonly<Retries>) {
  for (const reason of Object.keys(from) as RetryReason[]) into[reason] += from[reason];
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

/**
 * Stores one rollout's part of a batch in calls of about `maxOps` ops each (`splitCall`). Each call is
 * planned and sent while the one before it is in Redis, no further ahead: at most two of the part's
 * calls are in flight, so other senders' calls come between them. The first that fails throws (the
 * calls applied meanwhile are not applied again by the sender's retry: each has its own digest).
 */
export async function runIngestCalls(
  redis: RedisClient,
  call: IngestCall,
  cache: SeriesStateCache,
  maxOps: number,
): Promise<IngestResult> {
  const parts = splitCall(call, maxOps);
  if (parts.length === 1) return runIngestCall(redis, call, cache);
  const total: IngestResult = {
    applied: false,
    accepted: 0,
    refusedByCap: 0,
    ignored: 0,
    retries: noRetries(),
  };
  const add = (result: IngestResult) => {
    // Applied when any part was: a retry finds the parts stored before it seen, and stores the rest.
    total.applied ||= result.applied;
    total.accepted += result.accepted;
    total.refusedByCap += result.refusedByCap;
    total.ignored += result.ignored;
    addRetries(total.retries, result.retries);
  };
  let previous: Promise<IngestResult> | undefined;
  for (const part of parts) {
    const next = runIngestCall(redis, part, cache);
    // Its failure is told by the await below, or, when one before it failed, not at all.
    next.catch(() => undefined);
    if (previous !== undefined) add(await previous);
    previous = next;
  }
  add(await (previous as Promise<IngestResult>));
  return total;
}

/**
 * Stores one rollout's part of a batch in one call. The increases of cumulative series and the sums per bucket
 * key are computed here, from the states `cache` knows (read from Redis the first time); the script
 * applies them only if the batch is new, every new series is under the cap and every state is still
 * the one computed from — otherwise it writes nothing, says what differed, and this plans again.
 */
export async function runIngestCall(
  redis: RedisClient,
  call: IngestCall,
  cache: SeriesStateCache,
): Promise<IngestResult> {
  const series = new CallSeries(call, cache);
  const retries = noRetries();
  for (let attempt = 1; ; attempt++) {
    await series.readStates(redis);
    const plan = planCall(call, series);
    const writerToken = cache.newToken();
    // The plan's state keys are busy until its reply is taken in: a call planned meanwhile sends the
    // states it vouches for there, this call's token being there first (`SeriesStateCache.busy`).
    const release = series.sending(plan);
    let reply: ScriptReply;
    try {
      reply = await sendScriptCall(redis, {
        rollout: call.rollout,
        keys: call.keys,
        digest: call.digest,
        nowMs: call.nowMs,
        markerMs: call.markerMs,
        maxActiveSeries: call.maxActiveSeries,
        activeSeriesMs: call.activeSeriesMs,
        stateTtlSeconds: call.seriesStateSeconds,
        writerToken,
        marks: plan.marks,
        states: plan.states,
        buckets: plan.buckets,
      });
      // Only here, the reply known: a call whose outcome is unknown leaves the chain as it was.
      if (reply.kind === 'applied') series.applied(plan, writerToken, reply.foundTokens);
    } finally {
      release();
    }
    switch (reply.kind) {
      case 'seenBefore':
        return { applied: false, accepted: 0, refusedByCap: 0, ignored: 0, retries };
      case 'applied':
        return {
          applied: true,
          accepted: plan.accepted,
          refusedByCap: plan.refused,
          ignored: plan.ignored,
          retries,
        };
      case 'refusedByCap':
        if (attempt >= MAX_ATTEMPTS) throw new IngestContentionError(call.rollout, MAX_ATTEMPTS);
        retries.cap++;
        for (const seriesId of reply.seriesIds) series.refuse(seriesId, reply.full);
        break;
      case 'unvouched':
        if (attempt >= MAX_ATTEMPTS) throw new IngestContentionError(call.rollout, MAX_ATTEMPTS);
        retries.unvouched++;
        series.unvouched(reply.keyIndexes);
        break;
      case 'changed':
        if (attempt >= MAX_ATTEMPTS) throw new IngestContentionError(call.rollout, MAX_ATTEMPTS);
        retries.changed++;
        // Redis holds other states than this collector thought: read those again, and trust no mark.
        series.forgetMarks();
        for (const { keyIndex, seriesId } of reply.changes) series.forgetState(keyIndex, seriesId);
        break;
    }
  }
}
