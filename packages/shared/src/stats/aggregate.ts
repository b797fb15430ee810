import type { CohortStats } from './cohort-stats.ts';
import { momentsMean } from './moments.ts';
import { quantileOf } from './quantile.ts';
import { ratioValue } from './ratio.ts';

export type Aggregation =
  | 'mean'
  | 'sum'
  | 'count'
  | 'rate'
  | 'min'
  | 'max'
  | 'last'
  | 'ratio'
  | { quantile: number };

export type AggregateResult =
  | { ok: true; value: number }
  /** no data, or an aggregate this kind of statistic cannot give (with why) */
  | { ok: false; reason: string };

export interface AggregateContext {
  /** length of the window the statistic covers, for `rate` */
  windowSeconds: number;
}

/**
 * One number from a merged statistic. `rate` is per second over the window: the counter's
 * increase, the sum of the values (moments: delta values such as bytes sent) or the number of
 * observations (histograms, samples), divided by `windowSeconds`.
 */
export function aggregate(stats: CohortStats, how: Aggregation, ctx: AggregateContext): AggregateResult {
  const name = aggregationName(how);
  const none = (reason: string): AggregateResult => ({ ok: false, reason });
  const value = (v: number | null, empty = 'no data in the window'): AggregateResult =>
    v === null || Number.isNaN(v) ? none(empty) : { ok: true, value: v };
  const unsupported = (): AggregateResult =>
    none(`${name} is not available from ${stats.kind} statistics; ${hint(stats.kind)}`);

  if (typeof how === 'object') {
    if (stats.kind === 'histogram' || stats.kind === 'exponential' || stats.kind === 'samples') {
      return value(quantileOf(stats, how.quantile));
    }
    return unsupported();
  }
  if (how === 'rate') {
    if (!(ctx.windowSeconds > 0))
      return none(`rate needs a window longer than 0 s, got ${ctx.windowSeconds}`);
    const per = (x: number) => value(x / ctx.windowSeconds);
    switch (stats.kind) {
      case 'counter':
        return per(stats.increase);
      case 'moments':
        return per(stats.sum);
      case 'histogram':
      case 'exponential':
      case 'samples':
        return per(stats.count);
      case 'ratio':
        return unsupported();
    }
  }
  switch (stats.kind) {
    case 'moments':
      if (how === 'mean') return value(momentsMean(stats));
      if (how === 'sum') return value(stats.count === 0 ? null : stats.sum);
      if (how === 'count') return value(stats.count);
      if (how === 'min') return value(stats.min);
      if (how === 'max') return value(stats.max);
      if (how === 'last') return value(stats.last?.value ?? null);
      return unsupported();
    case 'histogram':
    case 'exponential':
      if (how === 'mean') return value(stats.count === 0 ? null : stats.sum / stats.count);
      if (how === 'sum') return value(stats.count === 0 ? null : stats.sum);
      if (how === 'count') return value(stats.count);
      if (how === 'min') return value(stats.count === 0 ? null : stats.min, 'the histogram carries no min');
      if (how === 'max') return value(stats.count === 0 ? null : stats.max, 'the histogram carries no max');
      return unsupported();
    case 'counter':
      if (how === 'sum' || how === 'count') return value(stats.increase);
      return unsupported();
    case 'ratio':
      if (how === 'ratio' || how === 'mean')
        return value(ratioValue(stats), 'the denominator did not increase');
      if (how === 'count') return value(stats.denominator);
      return unsupported();
    case 'samples':
      if (how === 'count') return value(stats.count);
      return unsupported();
  }
}

export function aggregationName(how: Aggregation): string {
  return typeof how === 'object' ? `quantile ${how.quantile}` : how;
}

function hint(kind: CohortStats['kind']): string {
  switch (kind) {
    case 'moments':
      return 'quantiles need a histogram or raw samples';
    case 'histogram':
    case 'exponential':
      return 'last needs the metric stored as moments (a gauge)';
    case 'counter':
      return 'a counter gives sum (its increase), count and rate';
    case 'ratio':
      return 'a ratio gives ratio and count (its denominator)';
    case 'samples':
      return 'raw samples give quantiles, count and rate';
  }
}
