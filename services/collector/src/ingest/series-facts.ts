import type { ActiveRollout, Cohort } from '@rollout-guard/shared/store';
import type { Attributes, Point } from '../protocols/point.ts';
import { type IngestLimits, labelLimitViolation } from './limits.ts';
import type { Matcher, NoMatchReason } from './matcher.ts';
import { SeriesIds } from './series-id.ts';
import type { SeriesCell } from './series-state.ts';

/** What a series' labels decide, for one matcher and one set of limits. */
export interface SeriesFacts {
  readonly attributes: Attributes;
  readonly name: string;
  readonly series: string | undefined;
  readonly matcher: Matcher;
  readonly limits: IngestLimits;
  /** The rollouts the series goes to; none when `reason` says why. */
  readonly targets: readonly SeriesTarget[];
  readonly reason: NoMatchReason | undefined;
  readonly labelViolation: string | null;
  /** The series id (`SeriesIds`); '' when the series goes nowhere. */
  readonly id: string;
}

/** One rollout a series goes to: its cohort there and, once found, its cell in the collector's cache. */
export interface SeriesTarget {
  readonly rollout: ActiveRollout;
  readonly cohort: Cohort;
  cell: SeriesCell | undefined;
}

/**
 * Per series: remote write and OTLP hand out a memo per series they recognise (and one attributes
 * record per label set), so a series is matched and checked once per matcher (a change of the active
 * rollouts) instead of once per sample, and hashed once for as long as its memo lasts; points without
 * a memo are remembered by their attributes record. Records are immutable once decoded; an entry goes with the last point holding it. One per
 * ingest runtime.
 */
export class SeriesFactsMemo {
  readonly #byRecord = new WeakMap<Attributes, SeriesFacts>();

  constructor(readonly ids: SeriesIds = new SeriesIds()) {}

  factsOf(point: Point, matcher: Matcher, limits: IngestLimits): SeriesFacts {
    const known = (point.memo?.derived ?? this.#byRecord.get(point.attributes)) as SeriesFacts | undefined;
    const before =
      known !== undefined &&
      known.attributes === point.attributes &&
      known.name === point.name &&
      known.series === point.series
        ? known
        : undefined;
    if (before !== undefined && before.matcher === matcher && before.limits === limits) return before;
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
      id: wanted ? before?.id || this.#idOf(point) : '',
    };
    if (point.memo !== undefined) point.memo.derived = facts;
    else this.#byRecord.set(point.attributes, facts);
    return facts;
  }

  /**
   * A series' id, hashed once for as long as its facts last: kept with them under every matcher while
   * a decoder recognises the series (its memo); otherwise its facts go with the request's records, and
   * `ids` remembers the id by series key.
   */
  #idOf(point: Point): string {
    // A histogram part counts for its metric but is a series of its own (`x_bucket{le}`, `x_count`).
    const series = point.series ?? point.name;
    return point.memo === undefined
      ? this.ids.idOf(series, point.attributes)
      : this.ids.hashOf(series, point.attributes);
  }
}
