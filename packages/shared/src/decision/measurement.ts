import type { DistributionComparison } from '@rollout-guard/shared/stats';

/**
 * What the evaluator measured for one check at one evaluation, in the shape the verdict rules need.
 * The numbers come from the stats module; this module only judges them.
 */

/** A closed interval `[lower, upper]`. */
export type Interval = readonly [lower: number, upper: number];

/** Where the reference cohort of a `baseline` / `control` check came from (PRODUCT.md §1 "Comparisons"). */
export type Reference = 'control' | 'baseline' | 'previous-wave-control';

/** The data window a measurement covers, in epoch milliseconds; `label` is the spec's `window` (`wave`, `1h`). */
export interface MeasurementWindow {
  readonly from: number;
  readonly to: number;
  readonly label: string;
  /**
   * Trailing windows: which restart the data starts at (0 = the wave's start, then one every half window) and
   * the confidence its intervals are computed at — that restart's share of the wave's error budget.
   */
  readonly restart?: { readonly index: number; readonly confidence: number };
}

/** One cohort's aggregate: how many samples it rests on and its value (null when nothing arrived). */
export interface CohortMeasurement {
  readonly samples: number;
  readonly value: number | null;
  /** An interval for the cohort's own value (a one-sample interval): what an absolute check judges. */
  readonly interval?: Interval;
  /** Why the value has no interval (`max has no confidence interval`): an absolute check is then judged by value. */
  readonly noInterval?: string;
}

/** A difference treatment − reference: the point estimate and its always-valid confidence interval. */
export interface DifferenceEstimate {
  readonly estimate: number;
  readonly interval: Interval;
  /** How the interval was computed (the stats module's method), for evidence. */
  readonly method?: string;
  /** Set when the aggregate has no interval: `interval` is then the estimate itself, judged by value. */
  readonly noInterval?: string;
}

export interface Measurement {
  readonly window: MeasurementWindow;
  readonly treatment: CohortMeasurement;
  /** The reference cohort; present for `baseline` / `control` checks. */
  readonly reference?: CohortMeasurement;
  /** Which data served as the reference (at 100% `control` checks fall back to the baseline or the previous wave). */
  readonly referenceKind?: Reference;
  /**
   * Differences treatment − reference. `absolute` is in the metric's unit; `relative` is a fraction of the
   * reference ((treatment − reference) / reference, so +5% is 0.05). A limit written as "+5%" reads `relative`,
   * a bare number reads `absolute`; the evaluator computes whichever the check's limits need.
   */
  readonly difference?: {
    readonly absolute?: DifferenceEstimate;
    readonly relative?: DifferenceEstimate;
  };
  /**
   * `aggregate: distribution`: both cohorts' shares at or below each boundary, each difference's interval, and
   * where they differ most. `difference.absolute` then holds the distance (the largest difference) and its interval.
   */
  readonly distribution?: DistributionComparison;
  /** The confidence the intervals were computed at. */
  readonly confidence?: number;
  /** Why an interval is missing (e.g. "zero variance in control"), shown when the check cannot judge. */
  readonly notes?: readonly string[];
}
