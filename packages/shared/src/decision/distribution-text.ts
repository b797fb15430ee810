import type { DistributionComparison } from '@rollout-guard/shared/stats';

function points(share: number): string {
  return `${Number((share * 100).toPrecision(3))}`;
}

function boundaryText(boundary: number): string {
  return String(Number(boundary.toPrecision(4)));
}

/**
 * Where two distributions differ most, in the units a user reads them in — shares of observations at or below
 * a boundary, in percent, and their difference in percentage points: "they differ most at 0.42: 91.2 % of
 * treatment vs 95.1 % of control at or below it (−3.9 points, interval [−5.8, −2.1]), read at 25 boundaries".
 */
export function describeWidest(comparison: DistributionComparison, reference: string): string {
  const widest = comparison.points[comparison.widest];
  if (widest === undefined) return 'no boundary to compare at';
  const sign = widest.difference > 0 ? '+' : widest.difference < 0 ? '−' : '';
  return (
    `they differ most at ${boundaryText(widest.boundary)}: ${points(widest.treatment)} % of treatment vs ` +
    `${points(widest.reference)} % of ${reference} at or below it (${sign}${points(Math.abs(widest.difference))} points, ` +
    `interval [${points(widest.lower)}, ${points(widest.upper)}]), read at ${comparison.points.length} boundaries`
  );
}
