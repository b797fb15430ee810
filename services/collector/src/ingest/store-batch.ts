import type { RedisClient } from '@rollout-guard/shared/redis';
import { batchMarkersKey } from '@rollout-guard/shared/store';
import type { Point } from '../protocols/point.ts';
import type { CapRefusal } from './cap-refusals.ts';
import { addRetries, type IngestResult, noRetries, type Retries, runIngestCalls } from './ingest-call.ts';
import type { IngestRuntime } from './ingest-runtime.ts';
import {
  DEFAULT_MAX_POINTS_PER_CALL,
  describePoint,
  type IngestLimits,
  Refusals,
  timeLimitViolation,
} from './limits.ts';
import type { Matcher, NoMatchReason } from './matcher.ts';
import { waitForReplicas } from './replica-wait.ts';
import { RolloutBatch } from './rollout-batch.ts';
import type { SeriesTarget } from './series-facts.ts';

/** A sender's retry of an applied batch comes within minutes; an hour of digests is ample. */
const MARKER_MS = 3600_000;
/** A series silent this long stops counting against the cardinality cap. */
const ACTIVE_SERIES_MS = 3600_000;
/** Cumulative state outlives a sender's longest plausible silence (a weekend) by the coarse retention. */
const SERIES_STATE_SECONDS = 8 * 24 * 3600;

export interface StoreBatchInput {
  readonly points: readonly Point[];
  readonly matcher: Matcher;
  /** Identifies the request body: a retry of it is applied once per rollout. */
  readonly digest: string;
  readonly nowMs: number;
  readonly limits: IngestLimits;
}

export interface StoreBatchOutcome {
  /** Points stored, counted once per rollout they went to. */
  readonly stored: number;
  /** Points that went to no rollout, by why. */
  readonly dropped: Partial<Record<NoMatchReason, number>>;
  /** Points refused (limits, cardinality cap): reported to the sender and in the metrics. */
  readonly refused: Refusals;
  /** The cardinality cap's part of `refused`, per rollout (`reportCapRefusals`). */
  readonly capRefused: readonly CapRefusal[];
  /** Points of cumulative series older than one already stored: their increase is counted already. */
  readonly ignored: number;
  /** Rollouts that stored new data from this batch: their evaluation is due. */
  readonly touched: string[];
  /** Rollouts that had applied this batch before (a sender's retry). */
  readonly repeated: string[];
  /** Time spent in Redis for the batch (all rollouts in parallel). */
  readonly redisMs: number;
  /** Ingest script calls repeated, by why (see `runIngestCall`). */
  readonly retries: Retries;
}

/**
 * Stores one decoded batch: matches each point to the active rollouts, turns it into bucket
 * contributions, and runs the ingest script for each touched rollout, all in parallel (a rollout's
 * part of a large batch in several calls, two at most in flight: `runIngestCalls`). Throws when
 * Redis fails: the caller answers 503 and the sender's retry is applied once per rollout.
 */
export function storeBatch(
  redis: RedisClient,
  runtime: IngestRuntime,
  input: StoreBatchInput,
): Promise<StoreBatchOutcome> {
  // Not async itself: an async function holds its arguments until it returns, and the decoded points
  // are not wanted while Redis works (each request's would survive collections meanwhile).
  const { digest, nowMs, limits } = input;
  runtime.forgetIdle(nowMs);
  return storeByRollout(redis, runtime, byRollout(runtime, input), { digest, nowMs, limits });
}

/** A batch's points as one `RolloutBatch` per rollout, with those dropped and refused on the way. */
interface ByRollout {
  readonly batches: ReadonlyMap<string, RolloutBatch>;
  readonly dropped: Partial<Record<NoMatchReason, number>>;
  readonly refused: Refusals;
}

/** Matches each point to the active rollouts and adds its contributions to each one's batch. */
function byRollout(runtime: IngestRuntime, input: StoreBatchInput): ByRollout {
  const { points, matcher, limits, nowMs } = input;
  const refused = new Refusals();
  const dropped: Partial<Record<NoMatchReason, number>> = {};
  const batches = new Map<string, RolloutBatch>();
  // Each point is of one series: a batch of no more points than the limit cannot pass it.
  const seenSeries = points.length > limits.maxSeriesPerRequest ? new Set<string>() : undefined;
  const cache = runtime.seriesStates;
  const round = cache.round;

  // Points of a request mostly go to one rollout: its batch is kept at hand.
  let lastBatch: RolloutBatch | undefined;
  for (const point of points) {
    const facts = runtime.seriesFacts.factsOf(point, matcher, limits);
    const targets = facts.targets;
    if (targets.length === 0) {
      const reason = facts.reason ?? 'no-match';
      dropped[reason] = (dropped[reason] ?? 0) + 1;
      continue;
    }
    const violation = facts.labelViolation ?? timeLimitViolation(point.timeMs, limits, nowMs);
    if (violation !== null) {
      refused.add(violation, describePoint(point));
      continue;
    }
    const id = facts.id;
    if (seenSeries !== undefined && !seenSeries.has(id)) {
      if (seenSeries.size >= limits.maxSeriesPerRequest) {
        refused.add(`more than ${limits.maxSeriesPerRequest} series in one request`, describePoint(point));
        continue;
      }
      seenSeries.add(id);
    }
    for (let m = 0; m < targets.length; m++) {
      const target = targets[m] as SeriesTarget;
      const rollout = target.rollout;
      let batch = lastBatch?.rollout === rollout ? lastBatch : batches.get(rollout.name);
      if (batch === undefined) {
        batch = new RolloutBatch(rollout);
        batches.set(rollout.name, batch);
      }
      lastBatch = batch;
      let cell = target.cell;
      if (cell === undefined || !cache.holds(cell)) {
        cell = cache.cell(rollout.name, id);
        target.cell = cell;
      }
      cell.seen = round;
      batch.add(point, id, target.cohort, cell);
    }
  }
  return { batches, dropped, refused };
}

/** Runs the ingest script for each rollout's batch, all in parallel, and adds up what they did. */
async function storeByRollout(
  redis: RedisClient,
  runtime: IngestRuntime,
  { batches, dropped, refused }: ByRollout,
  { digest, nowMs, limits }: Pick<StoreBatchInput, 'digest' | 'nowMs' | 'limits'>,
): Promise<StoreBatchOutcome> {
  const cache = runtime.seriesStates;
  const started = performance.now();
  const entries = [...batches.values()];
  const results = await Promise.all(
    entries.map((batch) =>
      runIngestCalls(
        redis,
        {
          rollout: batch.rollout.name,
          digest,
          nowMs,
          keys: batch.table.keys,
          groups: batch.groups,
          ops: batch.ops,
          maxActiveSeries: limits.maxActiveSeriesPerRollout,
          activeSeriesMs: ACTIVE_SERIES_MS,
          seriesStateSeconds: SERIES_STATE_SECONDS,
          markerMs: MARKER_MS,
          freshAfterMs: batch.rollout.waveStartedAt ?? nowMs,
        },
        cache,
        limits.maxPointsPerCall ?? DEFAULT_MAX_POINTS_PER_CALL,
      ),
    ),
  );
  // Batches already applied wait too: their first attempt may have been answered 503 by this wait.
  if ((limits.waitReplicas ?? 0) > 0 && entries.length > 0) {
    await waitForReplicas(
      redis,
      entries.map((batch) => batchMarkersKey(batch.rollout.name)),
      limits.waitReplicas ?? 0,
      limits.waitTimeoutMs ?? 1000,
    );
  }
  const redisMs = performance.now() - started;

  let stored = 0;
  let ignored = 0;
  const touched: string[] = [];
  const repeated: string[] = [];
  const capRefused: CapRefusal[] = [];
  const retries = noRetries();
  results.forEach((result: IngestResult, i) => {
    const batch = entries[i]!;
    addRetries(retries, result.retries);
    if (!result.applied) {
      repeated.push(batch.rollout.name);
      return;
    }
    stored += result.accepted;
    ignored += result.ignored;
    if (result.refusedByCap > 0) {
      const example = describePoint(batch.firstPoint as Point);
      refused.add(
        `rollout "${batch.rollout.name}" is at its cap of ${limits.maxActiveSeriesPerRollout} active series`,
        example,
        result.refusedByCap,
      );
      capRefused.push({ rollout: batch.rollout.name, count: result.refusedByCap, example });
    }
    if (result.accepted > 0) touched.push(batch.rollout.name);
  });
  return { stored, dropped, refused, capRefused, ignored, touched, repeated, redisMs, retries };
}
