import type { Point } from './point.ts';

/**
 * Points a decoder did not return although the request was valid. They are not errors for the
 * sender: a route counts them in its self-metrics and still answers 2xx.
 */
export type DropReason =
  /** OTLP `flags & 1`: the sender says the point carries no value. */
  | 'no-recorded-value'
  /** The metric is used by no rollout (`wantsMetric` said no). */
  | 'unwanted-metric'
  /** Prometheus staleness marker. */
  | 'stale-marker'
  /** NaN or ±Inf where a sample must be a number: it says nothing about a rollout. */
  | 'non-finite-value'
  /**
   * A summary's quantile series (remote write): quantiles cover a window the sender chose and cannot
   * be merged; the summary's `_count` and `_sum` are kept.
   */
  | 'summary-quantile';

/** Points refused as invalid; OTLP reports them as `partialSuccess.rejectedDataPoints`. */
export interface Rejection {
  readonly reason: string;
  readonly count: number;
  /** The first offending point, said so a person can find it. */
  readonly example: string;
}

export interface DecodedBatch {
  readonly points: Point[];
  readonly dropped: Readonly<Partial<Record<DropReason, number>>>;
  readonly rejected: readonly Rejection[];
  /** Sum of every rejection's count. */
  readonly rejectedCount: number;
}

/** Accumulates a decoder's output; counts instead of keeping one object per dropped point. */
export class BatchBuilder {
  readonly points: Point[] = [];
  private readonly drops: Partial<Record<DropReason, number>> = {};
  private readonly rejections = new Map<string, { count: number; example: string }>();
  private rejectedTotal = 0;

  drop(reason: DropReason, count = 1): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + count;
  }

  reject(reason: string, example: string, count = 1): void {
    const seen = this.rejections.get(reason);
    if (seen) seen.count += count;
    else this.rejections.set(reason, { count, example });
    this.rejectedTotal += count;
  }

  build(): DecodedBatch {
    const rejected = [...this.rejections].map(([reason, r]) => ({
      reason,
      count: r.count,
      example: r.example,
    }));
    return { points: this.points, dropped: { ...this.drops }, rejected, rejectedCount: this.rejectedTotal };
  }
}

/** One line a sender can act on, e.g. for OTLP `partialSuccess.errorMessage`. */
export function rejectionMessage(batch: Pick<DecodedBatch, 'rejected'>): string {
  return batch.rejected
    .map((r) => `${r.count} point(s) rejected: ${r.reason} (first: ${r.example})`)
    .join('; ');
}
