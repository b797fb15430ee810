import type { RedisClient } from '@rollout-guard/shared/redis';
import {
  type ActiveRollout,
  BASELINE_TTL_SECONDS,
  baselineKey,
  batchMarkersKey,
  bucketKey,
  bucketStarts,
  type Cohort,
  seriesStateKey,
  WAVE_TOTAL_TTL_SECONDS,
  waveTotalKey,
} from '@rollout-guard/shared/store';
import type { Attributes, Point } from '../protocols/point.ts';
import { type ContributionSink, type Extremes, eachContribution } from './contribution.ts';
import { type IngestOp, KeyTable } from './ingest-call.ts';
import { type IngestResult, runIngestScript, seriesStateCacheOf } from './ingest-script.ts';
import {
  describePoint,
  type IngestLimits,
  labelLimitViolation,
  Refusals,
  timeLimitViolation,
} from './limits.ts';
import type { Matcher, NoMatchReason } from './matcher.ts';
import { waitForReplicas } from './replica-wait.ts';
import { seriesId } from './series-id.ts';
import type { SeriesCell } from './series-state.ts';

/** Phases whose data also adds to the running total of the current wave. */
const WAVE_PHASES = new Set<ActiveRollout['phase']>(['wave', 'checkpoint', 'awaiting-approval', 'paused']);

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
  /** Points of cumulative series older than one already stored: their increase is counted already. */
  readonly ignored: number;
  /** Rollouts that stored new data from this batch: their evaluation is due. */
  readonly touched: string[];
  /** Rollouts that had applied this batch before (a sender's retry). */
  readonly repeated: string[];
  /** Time spent in Redis for the batch (all rollouts in parallel). */
  readonly redisMs: number;
  /** Ingest script calls repeated, by why (see `runIngestScript`). */
  readonly retries: { changed: number; cap: number };
}

/**
 * Stores one decoded batch: matches each point to the active rollouts, turns it into bucket
 * contributions, and runs the ingest script once per touched rollout, all in parallel. Throws when
 * Redis fails: the caller answers 503 and the sender's retry is applied once per rollout.
 */
export async function storeBatch(redis: RedisClient, input: StoreBatchInput): Promise<StoreBatchOutcome> {
  const { points, matcher, limits, nowMs } = input;
  const refused = new Refusals();
  const dropped: Partial<Record<NoMatchReason, number>> = {};
  const batches = new Map<string, RolloutBatch>();
  // Each point is of one series: a batch of no more points than the limit cannot pass it.
  const seenSeries = points.length > limits.maxSeriesPerRequest ? new Set<string>() : undefined;
  const cache = seriesStateCacheOf(redis);

  // Points of a request mostly go to one rollout: its batch is kept at hand.
  let lastBatch: RolloutBatch | undefined;
  for (const point of points) {
    const facts = seriesFacts(point, matcher, limits);
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
      batch.add(point, id, target.cohort, cell);
    }
  }

  const started = performance.now();
  const entries = [...batches.values()];
  const results = await Promise.all(
    entries.map((batch) =>
      runIngestScript(redis, {
        rollout: batch.rollout.name,
        digest: input.digest,
        nowMs,
        keys: batch.table.keys,
        targets: batch.targets,
        ops: batch.ops,
        maxActiveSeries: limits.maxActiveSeriesPerRollout,
        activeSeriesMs: ACTIVE_SERIES_MS,
        seriesStateSeconds: SERIES_STATE_SECONDS,
        markerMs: MARKER_MS,
        freshAfterMs: batch.rollout.waveStartedAt ?? nowMs,
      }),
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
  const retries = { changed: 0, cap: 0 };
  results.forEach((result: IngestResult, i) => {
    const batch = entries[i]!;
    retries.changed += result.retries.changed;
    retries.cap += result.retries.cap;
    if (!result.applied) {
      repeated.push(batch.rollout.name);
      return;
    }
    stored += result.accepted;
    ignored += result.ignored;
    if (result.refusedByCap > 0) {
      refused.add(
        `rollout "${batch.rollout.name}" is at its cap of ${limits.maxActiveSeriesPerRollout} active series`,
        describePoint(batch.firstPoint as Point),
        result.refusedByCap,
      );
    }
    if (result.accepted > 0) touched.push(batch.rollout.name);
  });
  return { stored, dropped, refused, ignored, touched, repeated, redisMs, retries };
}

/** What a series' labels decide, for one matcher and one set of limits. */
interface SeriesFacts {
  readonly attributes: Attributes;
  readonly name: string;
  readonly series: string | undefined;
  readonly matcher: Matcher;
  readonly limits: IngestLimits;
  /** The rollouts the series goes to; none when `reason` says why. */
  readonly targets: readonly SeriesTarget[];
  readonly reason: NoMatchReason | undefined;
  readonly labelViolation: string | null;
  readonly id: string;
}

/** One rollout a series goes to: its cohort there and, once found, its cell in the collector's cache. */
interface SeriesTarget {
  readonly rollout: ActiveRollout;
  readonly cohort: Cohort;
  cell: SeriesCell | undefined;
}

/**
 * Per series: remote write hands out a memo per series it recognises (and one attributes record per
 * label set), so a series is matched, checked and hashed once per matcher (a refresh of the active
 * rollouts) instead of once per sample; points without a memo are remembered by their attributes
 * record. Records are immutable once decoded; an entry goes with the last point holding it.
 */
const factsByRecord = new WeakMap<Attributes, SeriesFacts>();

function seriesFacts(point: Point, matcher: Matcher, limits: IngestLimits): SeriesFacts {
  const known = (point.memo?.derived ?? factsByRecord.get(point.attributes)) as SeriesFacts | undefined;
  if (
    known !== undefined &&
    known.attributes === point.attributes &&
    known.name === point.name &&
    known.series === point.series &&
    known.matcher === matcher &&
    known.limits === limits
  ) {
    return known;
  }
  const match = matcher.match(point.name, point.attributes);
  const wanted = match.matches.length > 0;
  const facts: SeriesFacts = {
    attributes: point.attributes,
    name: point.name,
    series: point.series,
    matcher,
    limits,
    targets: match.matches.map(({ rollout, cohort }) => ({ rollout, cohort, cell: undefined })),
    reason: match.reason,
    labelViolation: wanted ? labelLimitViolation(point.attributes, limits) : null,
    // A histogram part counts for its metric but is a series of its own (`x_bucket{le}`, `x_count`).
    id: wanted ? seriesId(point.series ?? point.name, point.attributes) : '',
  };
  if (point.memo !== undefined) point.memo.derived = facts;
  else factsByRecord.set(point.attributes, facts);
  return facts;
}

/** One rollout's part of a batch: its keys, target groups and ops for the ingest script. */
class RolloutBatch implements ContributionSink {
  readonly table = new KeyTable();
  readonly targets: Array<Array<[number, number]>> = [];
  readonly ops: IngestOp[] = [];
  readonly #groups = new Map<string, number>();
  /** The batch's first point: the example a refusal by the cap names. */
  firstPoint: Point | undefined;

  constructor(readonly rollout: ActiveRollout) {}

  add(point: Point, sid: string, cohort: Cohort, cell: SeriesCell) {
    this.firstPoint ??= point;
    this.#point = point;
    this.#sid = sid;
    this.#cell = cell;
    this.#group = this.#targetGroup(point.name, cohort, point.timeMs);
    eachContribution(point.value, this);
    this.#point = undefined;
  }

  /** The point being added, its series and target group: what the contributions it tells of go with. */
  #point: Point | undefined;
  #sid = '';
  #cell: SeriesCell | undefined;
  #group = 0;

  delta(fields: Record<string, number>, extremes: Extremes, index: number) {
    this.#push(fields, extremes, index, undefined);
  }

  cumulative(fields: Record<string, number>, monotonic: boolean, extremes: Extremes, index: number) {
    this.#push(fields, extremes, index, monotonic);
  }

  /** One op of the current point: delta when `monotonic` is undefined, else cumulative. */
  #push(
    v: Record<string, number>,
    { min, max, last }: Extremes,
    index: number,
    monotonic: boolean | undefined,
  ) {
    const point = this.#point as Point;
    const sid = this.#sid;
    const t = this.#group;
    const cell = this.#cell;
    // A point with two contributions (an up-down counter's change and level) is one point.
    const np = index > 0 ? 0 : 1;
    const lt = last === undefined ? undefined : point.timeMs;
    this.ops.push(
      monotonic === undefined
        ? { k: 'd', sid, t, v, np, mn: min, mx: max, lv: last, lt, cell }
        : {
            k: 'c',
            sid,
            t,
            v,
            np,
            mn: min,
            mx: max,
            lv: last,
            lt,
            cell,
            sk: this.#seriesStateIndex(point.name),
            st: point.startMs ?? 0,
            ts: point.timeMs,
            mono: monotonic,
          },
    );
  }

  readonly #seriesState = new Map<string, number>();

  #seriesStateIndex(metric: string): number {
    // A request's points mostly share a metric: the last one is tried first.
    const last = this.#lastState;
    if (last !== undefined && last.metric === metric) return last.index;
    let index = this.#seriesState.get(metric);
    if (index === undefined) {
      index = this.table.indexOf(seriesStateKey(this.rollout.name, metric));
      this.#seriesState.set(metric, index);
    }
    this.#lastState = { metric, index };
    return index;
  }

  #lastState: { metric: string; index: number } | undefined;

  /** The bucket keys a point of this metric, cohort and time adds to: every resolution, wave and baseline. */
  #targetGroup(metric: string, cohort: Cohort, timeMs: number): number {
    // Points of one request mostly share a time: the last group of each cohort is tried first.
    const last = this.#lastGroup[cohort];
    if (last !== undefined && last.metric === metric && last.timeMs === timeMs) return last.group;
    const starts = bucketStarts(timeMs);
    const id = `${metric}\u0000${cohort}\u0000${starts[0]!.startMs}`;
    let group = this.#groups.get(id);
    if (group === undefined) {
      group = this.#newGroup(metric, cohort, starts);
      this.#groups.set(id, group);
    }
    this.#lastGroup[cohort] = { metric, timeMs, group };
    return group;
  }

  readonly #lastGroup: Partial<Record<Cohort, { metric: string; timeMs: number; group: number }>> = {};

  #newGroup(metric: string, cohort: Cohort, starts: ReturnType<typeof bucketStarts>): number {
    const { name, phase, waveEpoch } = this.rollout;
    const group: Array<[number, number]> = starts.map(({ resolution, startMs }) => [
      this.table.indexOf(bucketKey(name, resolution.name, metric, cohort, startMs)),
      resolution.ttlSeconds,
    ]);
    if (WAVE_PHASES.has(phase)) {
      group.push([this.table.indexOf(waveTotalKey(name, waveEpoch, metric, cohort)), WAVE_TOTAL_TTL_SECONDS]);
    }
    if (phase === 'baseline') {
      group.push([this.table.indexOf(baselineKey(name, metric)), BASELINE_TTL_SECONDS]);
    }
    this.targets.push(group);
    return this.targets.length - 1;
  }
}
