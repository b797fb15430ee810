/**
 * The normalised data point every ingest protocol decodes into, and that storage consumes.
 *
 * Times are unix milliseconds as `number`: every window and bucket downstream is at least
 * 10 s wide, Redis scores and `Date` are numbers, and a millisecond timestamp stays an exact
 * integer in a double until the year 287396. Nanosecond inputs are truncated to the
 * millisecond with integer arithmetic (see `nanos.ts`), so no millisecond is lost to rounding.
 */

export type Temporality = 'delta' | 'cumulative';

export interface GaugeValue {
  readonly kind: 'gauge';
  readonly value: number;
}

export interface SumValue {
  readonly kind: 'sum';
  readonly value: number;
  readonly monotonic: boolean;
  readonly temporality: Temporality;
}

export interface HistogramValue {
  readonly kind: 'histogram';
  readonly temporality: Temporality;
  /** Upper bounds, strictly increasing; the last bucket is (bounds[n-1], +Inf]. */
  readonly bounds: readonly number[];
  /** bounds.length + 1 non-cumulative counts, or empty when only count/sum were sent. */
  readonly counts: readonly number[];
  readonly count: number;
  readonly sum?: number;
  readonly min?: number;
  readonly max?: number;
}

export interface ExponentialBuckets {
  /** Index of counts[0]; bucket i covers (base^i, base^(i+1)], base = 2^(2^-scale). */
  readonly offset: number;
  readonly counts: readonly number[];
}

export interface ExponentialHistogramValue {
  readonly kind: 'exponentialHistogram';
  readonly temporality: Temporality;
  readonly scale: number;
  readonly zeroCount: number;
  readonly zeroThreshold: number;
  readonly positive: ExponentialBuckets;
  readonly negative: ExponentialBuckets;
  readonly count: number;
  readonly sum?: number;
  readonly min?: number;
  readonly max?: number;
}

export interface Quantile {
  readonly quantile: number;
  readonly value: number;
}

/** Summaries are cumulative: count and sum since startMs; quantiles cover a sender-chosen window. */
export interface SummaryValue {
  readonly kind: 'summary';
  readonly count: number;
  readonly sum: number;
  readonly quantiles: readonly Quantile[];
}

/**
 * One series of a Prometheus classic histogram or summary, on its own: remote write sends
 * `x_bucket{le}`, `x_count` and `x_sum` as separate series and Prometheus spreads series over parallel
 * shards, so the parts of one histogram arrive in different requests. Each part is a cumulative
 * running total: of the observations ≤ `le` (bucket), of all observations (count), or their sum
 * (a summary's `_count` and `_sum` too; its quantile series are not kept).
 */
export interface ClassicPartValue {
  readonly kind: 'classicPart';
  readonly part: 'bucket' | 'count' | 'sum';
  /** The bucket's upper bound (`le`), for `bucket`. */
  readonly le?: number;
  readonly value: number;
}

export type PointValue =
  | GaugeValue
  | SumValue
  | HistogramValue
  | ExponentialHistogramValue
  | SummaryValue
  | ClassicPartValue;

export type Attributes = Readonly<Record<string, string>>;

export interface Point {
  /** The metric name exactly as it arrived (OTLP name or Prometheus `__name__`). */
  readonly name: string;
  /**
   * Resource ∪ scope ∪ point attributes (point wins), or Prometheus labels without `__name__`.
   * Keys are kept as sent; matching compares them after `.` → `_`.
   */
  readonly attributes: Attributes;
  /** Start of the cumulative or delta interval, when the sender said. */
  readonly startMs?: number;
  readonly timeMs: number;
  readonly value: PointValue;
  /**
   * The sender's own series name when it differs from `name`: a histogram part (`x_bucket`) counts
   * for metric `x` but is a series of its own, with its own cumulative state.
   */
  readonly series?: string;
  /** Given by decoders that recognise a series across requests (see `SeriesMemo`). */
  readonly memo?: SeriesMemo | undefined;
}

/**
 * One object per series for as long as a decoder recognises it across requests: the ingest path
 * keeps there what it derives from the series (its matches, its id, its checks) instead of looking
 * that up again for every point. It is the decoder's own entry for the series (remote write's label
 * set, OTLP's known series), so that a series is one object rather than two: every point reads it.
 * Decoders only create it (`derived` undefined) and pass it.
 */
export interface SeriesMemo {
  derived: unknown;
}

/**
 * A stable identity for the series a point belongs to: the name and the attributes sorted
 * by key. Storage keys cumulative → delta state on it, so it must not depend on the order
 * the sender listed attributes in.
 */
export function seriesKey(name: string, attributes: Attributes): string {
  const keys = Object.keys(attributes).sort();
  const parts: string[] = [name];
  for (const key of keys) parts.push(key, attributes[key] ?? '');
  // JSON escaping keeps the key unambiguous whatever characters names and values hold.
  return JSON.stringify(parts);
}
