import type { ActiveRollout, Cohort } from '@rollout-guard/shared/store';
import type { Attributes } from '../protocols/point.ts';

/** Attribute names compare after `.` → `_`, so OTLP `service.name` matches the Prometheus label `service_name`. */
export function normaliseName(name: string): string {
  return name.includes('.') ? name.replaceAll('.', '_') : name;
}

// Attribute names are few and repeat on every point: each dotted one is rewritten once per matcher.
// Bounded, cleared when full, so a sender inventing names cannot grow it without end.
const NORMALISED_LIMIT = 10_000;

const FLAG_KEY = 'feature_flag_key';
// The semantic conventions' current name first, then the legacy one (PRODUCT.md §1).
const DEFAULT_COHORT_ATTRIBUTES = ['feature_flag_result_variant', 'feature_flag_variant'];

// Prometheus classic histograms arrive as <base>_bucket, _sum and _count; checks name the base.
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

/** Where one point goes: a rollout, and its cohort there. */
export interface Match {
  readonly rollout: ActiveRollout;
  readonly cohort: Cohort;
}

export type NoMatchReason =
  /** No active rollout reads this metric. */
  | 'unwanted-metric'
  /** Its attributes differ from every interested rollout's `match`. */
  | 'no-match'
  /** It carries another flag's key. */
  | 'other-flag'
  /** Its cohort attribute names a variant that is neither treatment nor control. */
  | 'other-variant';

export interface MatchResult {
  readonly matches: Match[];
  /** Set when `matches` is empty: why the point counts nowhere. */
  readonly reason?: NoMatchReason;
}

interface Prepared {
  readonly rollout: ActiveRollout;
  readonly match: ReadonlyArray<readonly [string, string]>;
  readonly cohortAttributes: readonly string[];
}

const NONE: Prepared[] = [];

/**
 * Decides for each point which active rollouts it counts for, and in which cohort. Built once per
 * refresh of the active rollouts; `match` is a map lookup by metric name before anything else, so a
 * point no rollout reads costs one lookup.
 */
export class Matcher {
  readonly #byMetric = new Map<string, Prepared[]>();
  /** Every normalised attribute name some rollout reads: the flag key, `match` names, cohort attributes. */
  readonly #read = new Set<string>([FLAG_KEY]);
  /** Reused by each `match` call (synchronous, so never shared between two points). */
  readonly #scratch = new Map<string, string>();
  /** Dotted attribute names already normalised. */
  #normalised = new Map<string, string>();
  readonly rollouts: readonly ActiveRollout[];

  constructor(rollouts: readonly ActiveRollout[]) {
    this.rollouts = rollouts;
    for (const rollout of rollouts) {
      const prepared: Prepared = {
        rollout,
        match: Object.entries(rollout.match).map(([name, value]) => [normaliseName(name), value] as const),
        cohortAttributes: [
          ...new Set([normaliseName(rollout.cohorts.attribute), ...DEFAULT_COHORT_ATTRIBUTES]),
        ],
      };
      for (const [name] of prepared.match) this.#read.add(name);
      for (const name of prepared.cohortAttributes) this.#read.add(name);
      for (const metric of new Set(rollout.metrics)) {
        const list = this.#byMetric.get(metric);
        if (list === undefined) this.#byMetric.set(metric, [prepared]);
        else list.push(prepared);
      }
    }
  }

  /** Whether an active rollout reads this very metric name (no histogram suffix taken off). */
  readsMetric = (name: string): boolean => this.#byMetric.has(name);

  /** The decoders' prefilter: false when no active rollout reads this metric (or its histogram base). */
  wantsMetric = (name: string): boolean => {
    if (this.#byMetric.has(name)) return true;
    for (const suffix of HISTOGRAM_SUFFIXES) {
      if (name.endsWith(suffix) && this.#byMetric.has(name.slice(0, -suffix.length))) return true;
    }
    return false;
  };

  match(name: string, attributes: Attributes): MatchResult {
    const candidates = this.#byMetric.get(name) ?? NONE;
    if (candidates.length === 0) return { matches: [], reason: 'unwanted-metric' };
    // Only the names some rollout reads; later attributes win, as when all were copied.
    const normalised = this.#scratch;
    normalised.clear();
    for (const key in attributes) {
      const read = this.#normalise(key);
      if (this.#read.has(read)) normalised.set(read, attributes[key] as string);
    }
    const flag = normalised.get(FLAG_KEY);
    const matches: Match[] = [];
    let reason: NoMatchReason = 'no-match';
    for (const candidate of candidates) {
      if (!candidate.match.every(([key, value]) => normalised.get(key) === value)) continue;
      if (flag !== undefined && flag !== candidate.rollout.flag) {
        reason = 'other-flag';
        continue;
      }
      const cohort = cohortOf(candidate, normalised);
      if (cohort === null) {
        reason = 'other-variant';
        continue;
      }
      matches.push({ rollout: candidate.rollout, cohort });
    }
    return matches.length > 0 ? { matches } : { matches, reason };
  }

  #normalise(name: string): string {
    if (!name.includes('.')) return name;
    let known = this.#normalised.get(name);
    if (known === undefined) {
      known = normaliseName(name);
      if (this.#normalised.size >= NORMALISED_LIMIT) this.#normalised = new Map();
      this.#normalised.set(name, known);
    }
    return known;
  }
}

function cohortOf(candidate: Prepared, attributes: ReadonlyMap<string, string>): Cohort | null {
  for (const name of candidate.cohortAttributes) {
    const value = attributes.get(name);
    if (value === undefined) continue;
    if (value === candidate.rollout.cohorts.treatment) return 'treatment';
    if (value === candidate.rollout.cohorts.control) return 'control';
    return null;
  }
  // Without a cohort attribute the point describes the whole population: it counts for the baseline only.
  return 'baseline';
}
