import type { CheckView, SeriesResponse } from './api-types.ts';
import { boundValue, isRelativeCheck } from './format.ts';

/** A check's series as a chart plots it: the compared quantity, its interval, and the `allowed` bounds. */

type Point = SeriesResponse['points'][number];
type Estimate = NonNullable<Point['difference']>['absolute'];
type ChartCheck = Pick<CheckView, 'compare' | 'allowed'>;

/** The compared quantity of a series point, as the check judges it. */
export function estimateOf(check: ChartCheck, point: Point): Estimate | null {
  if (check.compare === 'absolute') return point.cohorts.treatment ?? null;
  return point.difference?.[isRelativeCheck(check) ? 'relative' : 'absolute'] ?? null;
}

export interface ChartLimit {
  readonly side: 'max' | 'min';
  readonly text: string;
}

export interface ChartData {
  /** x (seconds), value, lower, upper, then one constant line per bound: uPlot's columns. */
  readonly columns: (number | null)[][];
  readonly limits: ChartLimit[];
}

export function chartData(check: ChartCheck, series: Pick<SeriesResponse, 'points'>): ChartData {
  const xs: number[] = [];
  const values: (number | null)[] = [];
  const lower: (number | null)[] = [];
  const upper: (number | null)[] = [];
  for (const point of series.points) {
    const estimate = estimateOf(check, point);
    xs.push(point.t / 1000);
    values.push(estimate?.value ?? null);
    lower.push(estimate?.interval?.[0] ?? null);
    upper.push(estimate?.interval?.[1] ?? null);
  }
  const columns: (number | null)[][] = [xs, values, lower, upper];
  const limits: ChartLimit[] = [];
  for (const side of ['max', 'min'] as const) {
    const written = check.allowed[side];
    const bound = boundValue(written);
    if (bound === null || written === undefined) continue;
    limits.push({ side, text: String(written) });
    columns.push(xs.map(() => bound));
  }
  return { columns, limits };
}
