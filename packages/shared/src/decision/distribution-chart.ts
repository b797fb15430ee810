/**
 * The overlaid distributions of a distribution check, as chart geometry: each cohort's share of observations
 * at or below every boundary (its CDF there) as a line, and a mark where they differ most. Plain numbers and
 * strings, so the dashboard (SVG in the DOM) and the decision report (SVG in HTML) draw the same picture.
 */

export interface DistributionChartPoint {
  readonly boundary: number;
  readonly treatment: number;
  readonly reference: number;
  readonly lower: number;
  readonly upper: number;
}

export interface DistributionChartInput {
  readonly points: readonly DistributionChartPoint[];
  /** Index of the boundary where the two differ most. */
  readonly widest: number;
}

export interface DistributionChart {
  readonly width: number;
  readonly height: number;
  /** SVG polyline `points` for each cohort's CDF, boundaries evenly spaced left to right. */
  readonly treatment: string;
  readonly reference: string;
  /** The vertical mark at the boundary where they differ most, between the two CDFs, with its words. */
  readonly widest: {
    readonly x: number;
    readonly y1: number;
    readonly y2: number;
    readonly label: string;
  } | null;
  readonly xTicks: readonly { readonly x: number; readonly label: string }[];
  readonly yTicks: readonly { readonly y: number; readonly label: string }[];
  /** The plot area, inside the axes. */
  readonly plot: {
    readonly left: number;
    readonly right: number;
    readonly top: number;
    readonly bottom: number;
  };
}

const MARGIN = { left: 44, right: 12, top: 12, bottom: 30 };
const MAX_X_LABELS = 8;

function short(value: number): string {
  return String(Number(value.toPrecision(3)));
}

function pointsText(share: number): string {
  return String(Number((share * 100).toPrecision(3)));
}

/**
 * Boundaries are spaced evenly, not by value: histogram bounds are often geometric (×1.2 each), and an even
 * spacing gives every boundary — each one a separate comparison — the same room.
 */
export function distributionChart(
  input: DistributionChartInput,
  size: { readonly width: number; readonly height: number } = { width: 560, height: 220 },
): DistributionChart {
  const plot = {
    left: MARGIN.left,
    right: size.width - MARGIN.right,
    top: MARGIN.top,
    bottom: size.height - MARGIN.bottom,
  };
  const count = input.points.length;
  const xOf = (i: number) => plot.left + ((i + 0.5) / Math.max(1, count)) * (plot.right - plot.left);
  const yOf = (share: number) => plot.bottom - Math.min(1, Math.max(0, share)) * (plot.bottom - plot.top);
  const line = (pick: (p: DistributionChartPoint) => number) =>
    input.points.map((p, i) => `${xOf(i).toFixed(1)},${yOf(pick(p)).toFixed(1)}`).join(' ');
  const step = Math.max(1, Math.ceil(count / MAX_X_LABELS));
  const xTicks = input.points
    .map((p, i) => ({ x: xOf(i), label: short(p.boundary), i }))
    .filter(({ i }) => i % step === 0 || i === input.widest)
    .map(({ x, label }) => ({ x, label }));
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((share) => ({ y: yOf(share), label: `${share * 100}%` }));
  const widestPoint = input.points[input.widest];
  const widest =
    widestPoint === undefined
      ? null
      : {
          x: xOf(input.widest),
          y1: yOf(widestPoint.treatment),
          y2: yOf(widestPoint.reference),
          label:
            `${pointsText(widestPoint.treatment - widestPoint.reference)} points at ${short(widestPoint.boundary)} ` +
            `[${pointsText(widestPoint.lower)}, ${pointsText(widestPoint.upper)}]`,
        };
  return {
    width: size.width,
    height: size.height,
    treatment: line((p) => p.treatment),
    reference: line((p) => p.reference),
    widest,
    xTicks,
    yTicks,
    plot,
  };
}
