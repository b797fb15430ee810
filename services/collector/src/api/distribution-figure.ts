import type { CheckEvidence } from '@rollout-guard/shared/decision';
import { distributionChart } from '@rollout-guard/shared/display';
import { html, type SafeHtml } from './html.ts';

const TREATMENT = '#1d4fa3';
const REFERENCE = '#777';
const MARK = '#b3261e';

/**
 * A distribution check's two distributions overlaid in the decision report: each cohort's share at or below
 * every boundary, and a red mark where they differ most. Inline SVG: the report fetches nothing.
 */
export function distributionFigure(evidence: CheckEvidence): SafeHtml {
  const comparison = evidence.distribution;
  if (comparison === undefined || comparison.points.length === 0) return html``;
  const chart = distributionChart(comparison);
  const reference = evidence.reference ?? 'reference';
  const { plot } = chart;
  const widest = chart.widest;
  return html`<figure class="distribution" data-chart="distribution">
<svg viewBox="0 0 ${chart.width} ${chart.height}" width="${chart.width}" height="${chart.height}" role="img" aria-label="Share at or below each boundary: treatment and ${reference}">
${chart.yTicks.map((t) => html`<line x1="${plot.left}" x2="${plot.right}" y1="${t.y}" y2="${t.y}" stroke="#ddd"/><text x="${plot.left - 4}" y="${t.y + 4}" text-anchor="end" font-size="10">${t.label}</text>`)}
${chart.xTicks.map((t) => html`<text x="${t.x}" y="${plot.bottom + 14}" text-anchor="middle" font-size="10">${t.label}</text>`)}
<polyline points="${chart.reference}" fill="none" stroke="${REFERENCE}" stroke-width="2" stroke-dasharray="5 3"/>
<polyline points="${chart.treatment}" fill="none" stroke="${TREATMENT}" stroke-width="2"/>
${widest === null ? '' : html`<line x1="${widest.x}" x2="${widest.x}" y1="${widest.y1}" y2="${widest.y2}" stroke="${MARK}" stroke-width="3"/>`}
</svg>
<figcaption class="sub">Share of observations at or below each boundary: <span style="color:${TREATMENT}">treatment</span> and <span style="color:${REFERENCE}">${reference}</span> (dashed); in red where they differ most${widest === null ? '' : `: ${widest.label}`}. The distance is the largest such difference; the tolerance is ${evidence.allowed.max ?? '—'}.</figcaption>
</figure>`;
}
