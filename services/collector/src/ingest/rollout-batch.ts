import {
  type ActiveRollout,
  BASELINE_TTL_SECONDS,
  baselineKey,
  bucketKey,
  bucketStarts,
  type Cohort,
  seriesStateKey,
  WAVE_TOTAL_TTL_SECONDS,
  waveTotalKey,
} from '@rollout-guard/shared/store';
import type { Point } from '../protocols/point.ts';
import { type ContributionSink, type Extremes, eachContribution } from './contribution.ts';
import type { GroupKey, IngestOp } from './ingest-call.ts';
import { KeyTable } from './script-protocol.ts';
import type { SeriesCell } from './series-state.ts';

/** Phases whose data also adds to the running total of the current wave. */
const WAVE_PHASES = new Set<ActiveRollout['phase']>(['wave', 'checkpoint', 'awaiting-approval', 'paused']);

/** One rollout's part of a batch: its keys, target groups and ops for the ingest script. */
export class RolloutBatch implements ContributionSink {
  readonly table = new KeyTable();
  readonly groups: GroupKey[][] = [];
  readonly ops: IngestOp[] = [];
  readonly #groups = new Map<string, number>();
  /** The batch's first point: the example a refusal by the cap names. */
  firstPoint: Point | undefined;

  constructor(readonly rollout: ActiveRollout) {}

  add(point: Point, seriesId: string, cohort: Cohort, cell: SeriesCell) {
    this.firstPoint ??= point;
    this.#point = point;
    this.#seriesId = seriesId;
    this.#cell = cell;
    this.#group = this.#targetGroup(point.name, cohort, point.timeMs);
    eachContribution(point.value, this);
    this.#point = undefined;
  }

  /** The point being added, its series and target group: what the contributions it tells of go with. */
  #point: Point | undefined;
  #seriesId = '';
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
    fields: Record<string, number>,
    { min, max, last }: Extremes,
    index: number,
    monotonic: boolean | undefined,
  ) {
    const point = this.#point as Point;
    const seriesId = this.#seriesId;
    const group = this.#group;
    const cell = this.#cell;
    // A point with two contributions (an up-down counter's change and level) is one point.
    const points = index > 0 ? 0 : 1;
    const lastTime = last === undefined ? undefined : point.timeMs;
    this.ops.push(
      monotonic === undefined
        ? { kind: 'delta', seriesId, group, fields, points, min, max, lastValue: last, lastTime, cell }
        : {
            kind: 'cumulative',
            seriesId,
            group,
            fields,
            points,
            min,
            max,
            lastValue: last,
            lastTime,
            cell,
            stateKey: this.#seriesStateIndex(point.name),
            startMs: point.startMs ?? 0,
            timeMs: point.timeMs,
            monotonic,
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
    const group: GroupKey[] = starts.map(({ resolution, startMs }) => ({
      keyIndex: this.table.indexOf(bucketKey(name, resolution.name, metric, cohort, startMs)),
      ttlSeconds: resolution.ttlSeconds,
    }));
    if (WAVE_PHASES.has(phase)) {
      group.push({
        keyIndex: this.table.indexOf(waveTotalKey(name, waveEpoch, metric, cohort)),
        ttlSeconds: WAVE_TOTAL_TTL_SECONDS,
      });
    }
    if (phase === 'baseline') {
      group.push({
        keyIndex: this.table.indexOf(baselineKey(name, metric)),
        ttlSeconds: BASELINE_TTL_SECONDS,
      });
    }
    this.groups.push(group);
    return this.groups.length - 1;
  }
}
