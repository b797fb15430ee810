import type { DistributionComparison, IntervalResult } from '@rollout-guard/shared/stats';
import type {
  CohortMeasurement,
  DifferenceEstimate,
  Measurement,
  MeasurementWindow,
  Reference,
} from './measurement.ts';

/** What the evaluator read from the stats module for one check at one evaluation. */
export interface StatsReading {
  readonly window: MeasurementWindow;
  readonly confidence: number;
  /** The treatment's aggregate, and for absolute checks its one-sample interval (`absoluteInterval`). */
  readonly treatment: {
    readonly samples: number;
    readonly value: number | null;
    readonly interval?: IntervalResult;
  };
  /** baseline/control checks: the reference's aggregate and which data it came from. */
  readonly reference?: { readonly kind: Reference; readonly samples: number; readonly value: number | null };
  /** `compareInterval(…, { relative: false })`: needed when a bound is a bare number. */
  readonly absolute?: IntervalResult;
  /** `compareInterval(…, { relative: true })`: needed when a bound is a percentage. */
  readonly relative?: IntervalResult;
  /** `aggregate: distribution`: where the two distributions were compared (`absolute` is then their distance). */
  readonly distribution?: DistributionComparison;
}

/**
 * Turns the stats module's interval results into a measurement the verdict rules judge:
 * - `ok`: the interval as is;
 * - `unsupported` (max, last …: aggregates without an interval): the point difference of the two
 *   values, as a zero-width interval marked `noInterval` — the stats module's "compare the value instead";
 * - `insufficient` (no samples, zero variance, a zero reference): for a difference no interval, and its
 *   reason kept as a note, so the check reports no data and never breaches; for an absolute check's own
 *   interval the reason is kept as `noInterval`.
 */
export function measurementFromStats(reading: StatsReading): Measurement {
  const notes: string[] = [];
  const treatment: CohortMeasurement = {
    samples: reading.treatment.samples,
    value: reading.treatment.value,
    ...oneSampleInterval(reading.treatment.interval),
  };
  const reference = reading.reference;
  const difference: { absolute?: DifferenceEstimate; relative?: DifferenceEstimate } = {};
  if (reference !== undefined) {
    for (const kind of ['absolute', 'relative'] as const) {
      const result = reading[kind];
      if (result === undefined) continue;
      const estimate = differenceOf(result, kind, reading.treatment.value, reference.value);
      if (typeof estimate === 'string') notes.push(`${kind} difference: ${estimate}`);
      else difference[kind] = estimate;
    }
  }
  return {
    window: reading.window,
    confidence: reading.confidence,
    treatment,
    ...(reference !== undefined && {
      reference: { samples: reference.samples, value: reference.value },
      referenceKind: reference.kind,
      difference,
    }),
    ...(reading.distribution !== undefined && { distribution: reading.distribution }),
    ...(notes.length > 0 && { notes }),
  };
}

function oneSampleInterval(result: IntervalResult | undefined): {
  interval?: readonly [number, number];
  noInterval?: string;
} {
  if (result === undefined) return {};
  return result.status === 'ok' ? { interval: [result.lower, result.upper] } : { noInterval: result.reason };
}

function differenceOf(
  result: IntervalResult,
  kind: 'absolute' | 'relative',
  treatment: number | null,
  reference: number | null,
): DifferenceEstimate | string {
  if (result.status === 'ok') {
    return { estimate: result.estimate, interval: [result.lower, result.upper], method: result.method };
  }
  if (result.status === 'insufficient') return result.reason;
  if (treatment === null || reference === null) return `${result.reason}, and a value is missing`;
  if (kind === 'relative' && reference === 0) return `${result.reason}, and the reference is 0`;
  const estimate = kind === 'absolute' ? treatment - reference : (treatment - reference) / reference;
  return {
    estimate,
    interval: [estimate, estimate],
    method: 'none (no interval: judged by value)',
    noInterval: result.reason,
  };
}
