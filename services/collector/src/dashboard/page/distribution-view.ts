import { distributionChart } from '@rollout-guard/shared/display';
import type { CheckView } from './api-types.ts';
import { h } from './dom.ts';

const SVG = 'http://www.w3.org/2000/svg';
const TREATMENT = '#1d4fa3';
const REFERENCE = '#777';
const MARK = '#b3261e';

function svg(tag: string, attributes: Record<string, string | number>, text?: string): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) el.setAttribute(key, String(value));
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * A distribution check's latest comparison: both cohorts' shares at or below every boundary, overlaid, and a
 * red mark where they differ most (the same geometry as the decision report's figure). Null for other checks.
 */
export function distributionView(check: CheckView): HTMLElement | null {
  const comparison = check.distribution;
  if (comparison === undefined || comparison.points.length === 0) return null;
  const chart = distributionChart(comparison);
  const { plot } = chart;
  const root = svg('svg', {
    viewBox: `0 0 ${chart.width} ${chart.height}`,
    width: '100%',
    role: 'img',
    'aria-label': `Share at or below each boundary: treatment and ${check.compare}`,
  });
  for (const tick of chart.yTicks) {
    root.append(
      svg('line', { x1: plot.left, x2: plot.right, y1: tick.y, y2: tick.y, stroke: '#ddd' }),
      svg('text', { x: plot.left - 4, y: tick.y + 4, 'text-anchor': 'end', 'font-size': 10 }, tick.label),
    );
  }
  for (const tick of chart.xTicks) {
    root.append(
      svg('text', { x: tick.x, y: plot.bottom + 14, 'text-anchor': 'middle', 'font-size': 10 }, tick.label),
    );
  }
  root.append(
    svg('polyline', {
      points: chart.reference,
      fill: 'none',
      stroke: REFERENCE,
      'stroke-width': 2,
      'stroke-dasharray': '5 3',
      'data-series': 'reference',
    }),
    svg('polyline', {
      points: chart.treatment,
      fill: 'none',
      stroke: TREATMENT,
      'stroke-width': 2,
      'data-series': 'treatment',
    }),
  );
  const widest = chart.widest;
  if (widest !== null) {
    root.append(
      svg('line', {
        x1: widest.x,
        x2: widest.x,
        y1: widest.y1,
        y2: widest.y2,
        stroke: MARK,
        'stroke-width': 3,
        'data-series': 'widest',
      }),
    );
  }
  return h(
    'div',
    { class: 'distribution', 'data-chart': 'distribution' },
    root,
    h(
      'p',
      { class: 'muted' },
      `Share at or below each boundary: treatment (blue) and ${check.compare} (grey, dashed); red where they differ most`,
      widest === null ? '' : `: ${widest.label}`,
      '.',
    ),
  );
}
