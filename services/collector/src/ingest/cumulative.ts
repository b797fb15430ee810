/**
 * Cumulative streams: the increase of a running total since the series' previous point. Pure
 * functions over the bucket field scheme (@rollout-guard/shared/store); `series-state.ts` keeps the
 * previous points, the ingest script only checks that nobody changed them in between.
 */

/** What is remembered of a cumulative series: its stream start, last point time and running totals. */
export interface CumulativePoint {
  /** Start of the cumulative stream (unix ms), 0 when unknown. */
  readonly startMs: number;
  /** Time of the point (unix ms). */
  readonly timeMs: number;
  /** The running totals, in the bucket field scheme. */
  readonly fields: Readonly<Record<string, number>>;
}

/** The sum field may fall in a histogram of negative values; a drop there is no reset. */
const SUM_FIELD = 's';

/** A current value that counts in full: its increase is measured from nothing. */
const FROM_NOTHING: Readonly<Record<string, number>> = Object.freeze({});

/**
 * What the increase of `cur` since `prev` is measured from: `prev`'s totals, an empty vector when
 * `cur` counts in full, or undefined when there is nothing to count. A series seen for the first
 * time counts its whole value only when it started at or after `freshAfterMs` (within the rollout);
 * otherwise that first value is the reference. A new start time, or a monotonic component that went
 * down or vanished, is a reset: the new value counts in full.
 */
export function increaseBase(
  cur: CumulativePoint,
  prev: CumulativePoint | undefined,
  monotonic: boolean,
  freshAfterMs: number,
): Readonly<Record<string, number>> | undefined {
  if (prev === undefined) return cur.startMs > 0 && cur.startMs >= freshAfterMs ? FROM_NOTHING : undefined;
  if (cur.startMs > 0 && prev.startMs > 0 && cur.startMs !== prev.startMs) return FROM_NOTHING;
  let before = prev.fields;
  // Most points are no exponential histogram: the previous point's scale is looked for only when
  // the current one has one (one pass over the fields per point, not two).
  const curScale = exponentialScaleOf(cur.fields);
  if (curScale !== undefined) {
    const prevScale = exponentialScaleOf(before);
    if (prevScale !== undefined && prevScale > curScale) before = foldExponential(before, curScale);
  }
  if (!monotonic) return before;
  // A histogram's sum may fall (negative observations) while its counts say there was no reset; a sum
  // alone (a Prometheus `_sum` series) is a counter like any other, as Prometheus' rate() takes it.
  const sumMayFall = hasSeveralFields(cur.fields);
  for (const field in cur.fields) {
    if ((cur.fields[field] as number) < (before[field] ?? 0) && (field !== SUM_FIELD || !sumMayFall)) {
      return FROM_NOTHING;
    }
  }
  for (const field in before) {
    if (cur.fields[field] === undefined && (before[field] as number) > 0 && field !== SUM_FIELD)
      return FROM_NOTHING;
  }
  return before;
}

/** Adds `cur − base`, field by field over `cur`'s fields, into `target`. */
export function addIncrease(
  target: Record<string, number>,
  cur: Readonly<Record<string, number>>,
  base: Readonly<Record<string, number>>,
) {
  for (const field in cur)
    target[field] = (target[field] ?? 0) + ((cur[field] as number) - (base[field] ?? 0));
}

function hasSeveralFields(v: Readonly<Record<string, number>>): boolean {
  let n = 0;
  for (const _ in v) if (++n > 1) return true;
  return false;
}

const EXPONENTIAL_FIELD = /^e:(-?\d+):([pn]):(-?\d+)$/;

/** The lowest scale among a vector's exponential bucket fields (`e:<scale>:<sign>:<index>`). */
function exponentialScaleOf(v: Readonly<Record<string, number>>): number | undefined {
  let lowest: number | undefined;
  for (const field in v) {
    if (!field.startsWith('e:')) continue;
    const scale = Number(field.slice(2, field.indexOf(':', 2)));
    if (lowest === undefined || scale < lowest) lowest = scale;
  }
  return lowest;
}

/**
 * An exponential histogram may lower its scale during a cumulative stream (the SDK merges buckets
 * pairwise when values spread): the previous buckets are folded to the current scale before
 * subtracting, or every downscale would read as a reset and count the whole history again.
 */
function foldExponential(v: Readonly<Record<string, number>>, target: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const field in v) {
    let name = field;
    const m = EXPONENTIAL_FIELD.exec(field);
    if (m !== null && Number(m[1]) > target) {
      const index = Math.floor(Number(m[3]) / 2 ** (Number(m[1]) - target));
      name = `e:${target}:${m[2]}:${index}`;
    }
    out[name] = (out[name] ?? 0) + (v[field] as number);
  }
  return out;
}
