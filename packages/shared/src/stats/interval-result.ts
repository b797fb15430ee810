/** What a confidence interval was computed for and how; shown in evidence. */
export type IntervalMethod =
  | 'normal-mixture mean'
  | 'normal-mixture mean difference (Welch)'
  | 'normal-mixture relative mean difference (Welch, delta method)'
  | 'normal-mixture proportion'
  | 'normal-mixture proportion difference'
  | 'normal-mixture relative proportion difference (delta method)'
  | 'normal-mixture mean vs fixed baseline'
  | 'normal-mixture relative mean vs fixed baseline'
  | 'normal-mixture proportion vs fixed baseline'
  | 'normal-mixture relative proportion vs fixed baseline'
  | 'normal-mixture Poisson rate'
  | 'normal-mixture Poisson count'
  | 'normal-mixture Poisson rate difference'
  | 'normal-mixture relative Poisson rate difference'
  | 'normal-mixture Poisson rate vs fixed baseline'
  | 'normal-mixture relative Poisson rate vs fixed baseline'
  | 'mixture rank bound quantile'
  | 'mixture rank bound quantile difference'
  | 'mixture rank bound relative quantile difference'
  | 'mixture rank bound quantile vs fixed baseline'
  | 'mixture rank bound relative quantile vs fixed baseline'
  | 'normal-mixture distribution distance (union bound over boundaries)'
  | 'normal-mixture distribution distance vs fixed baseline (union bound over boundaries)'
  | 'none';

export interface SampleSizes {
  treatment: number;
  /** the control cohort's or the baseline window's count; absent for one-sample intervals */
  control?: number;
}

/**
 * An interval that covers the true value at every evaluation simultaneously with probability
 * ≥ `confidence` (see STATISTICS.md for the assumptions). Bounds may be ±Infinity when the data
 * cannot bound a side (a quantile beyond the highest finite bucket); JSON turns those into null.
 */
export interface IntervalEstimate {
  status: 'ok';
  estimate: number;
  lower: number;
  upper: number;
  confidence: number;
  method: IntervalMethod;
  n: SampleSizes;
}

/** Too little or degenerate data (no samples, zero variance, a zero reference): never a breach. */
export interface InsufficientData {
  status: 'insufficient';
  reason: string;
  /** the point estimate when there is one */
  estimate: number | null;
  confidence: number;
  method: IntervalMethod;
  n: SampleSizes;
}

/** The statistic and aggregate have no interval (e.g. `max`, `rate`): compare the value instead. */
export interface NoInterval {
  status: 'unsupported';
  reason: string;
  confidence: number;
  method: 'none';
  n: SampleSizes;
}

export type IntervalResult = IntervalEstimate | InsufficientData | NoInterval;

export function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`confidence ${confidence} must lie strictly between 0 and 1, e.g. 0.95`);
  }
}
