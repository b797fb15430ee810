import uPlot from 'uplot';
import { type ApiClient, ApiError } from './api-client.ts';
import type { CheckView, RolloutView } from './api-types.ts';
import { type ChartLimit, chartData } from './chart-data.ts';
import { distributionView } from './distribution-view.ts';
import { h } from './dom.ts';
import { allowedText, isRelativeCheck, number, percent } from './format.ts';
import { badge } from './tone.ts';

const HEIGHT = 220;

interface Chart {
  readonly figure: HTMLElement;
  readonly caption: HTMLElement;
  readonly box: HTMLElement;
  plot: uPlot | null;
  /** What the plot's series were made for; a change of limits or comparison makes a new plot. */
  shape: string;
}

function chartOptions(check: CheckView, limits: readonly ChartLimit[], width: number): uPlot.Options {
  const show = (v: number | null) => (isRelativeCheck(check) ? percent(v) : number(v));
  const value = (_u: uPlot, v: number | null) => show(v);
  return {
    width,
    height: HEIGHT,
    legend: { show: true, live: true },
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: true } },
    axes: [{}, { size: 70, values: (_u, ticks) => ticks.map(show) }],
    series: [
      {},
      { label: check.compare === 'absolute' ? 'value' : 'difference', stroke: '#1d4fa3', width: 2, value },
      { label: 'lower', stroke: 'rgba(29,79,163,0.35)', value },
      { label: 'upper', stroke: 'rgba(29,79,163,0.35)', value },
      ...limits.map((l) => ({
        label: `allowed ${l.side} ${l.text}`,
        stroke: '#b3261e',
        dash: [6, 4],
        width: 1.5,
        value,
      })),
    ],
    bands: [{ series: [3, 2], fill: 'rgba(29,79,163,0.12)' }],
  };
}

/** A chart per check of one rollout, kept across refreshes (new data is set into the same plot). */
export class RolloutCharts {
  private readonly charts = new Map<string, Chart>();
  readonly container = h('div', { class: 'charts', id: 'charts' });

  constructor(
    private readonly api: ApiClient,
    private readonly name: string,
  ) {}

  destroy(): void {
    for (const chart of this.charts.values()) chart.plot?.destroy();
    this.charts.clear();
  }

  private chartFor(check: CheckView): Chart {
    const existing = this.charts.get(check.name);
    if (existing !== undefined) return existing;
    const box = h('div', { class: 'chart' });
    const caption = h('figcaption', {});
    const chart: Chart = {
      figure: h('figure', { 'data-check': check.name }, caption, box),
      caption,
      box,
      plot: null,
      shape: '',
    };
    // The chart follows its column's width (window resized, grid reflowed).
    new ResizeObserver(() => {
      const width = chart.box.clientWidth;
      if (chart.plot && width > 0 && width !== chart.plot.width) {
        chart.plot.setSize({ width, height: HEIGHT });
      }
    }).observe(box);
    this.charts.set(check.name, chart);
    return chart;
  }

  async render(view: RolloutView): Promise<void> {
    const wanted = new Set(view.checks.map((c) => c.name));
    for (const [key, chart] of this.charts) {
      if (!wanted.has(key)) {
        chart.plot?.destroy();
        chart.figure.remove();
        this.charts.delete(key);
      }
    }
    await Promise.all(view.checks.map((check) => this.renderOne(check)));
  }

  private async renderOne(check: CheckView): Promise<void> {
    const chart = this.chartFor(check);
    chart.caption.replaceChildren(
      h('span', {}, check.name),
      badge(check.state),
      h(
        'span',
        { class: 'muted' },
        `${check.role} · ${check.compare} · allowed ${allowedText(check.allowed)}`,
      ),
    );
    this.container.append(chart.figure);
    if (check.metric.startsWith('promql:')) {
      chart.box.replaceChildren(
        h('p', { class: 'muted' }, 'Reads PromQL: its history is in that Prometheus.'),
      );
      return;
    }
    let series: Awaited<ReturnType<ApiClient['series']>>;
    try {
      series = await this.api.series(this.name, check.name);
    } catch (error) {
      // Unreachable or unauthorised: the whole page says so. Anything else is this chart's problem.
      if (!(error instanceof ApiError) || [0, 401, 403].includes(error.status)) throw error;
      chart.plot?.destroy();
      chart.plot = null;
      chart.box.replaceChildren(h('p', { class: 'muted' }, `No chart: ${error.message}`));
      return;
    }
    const { columns, limits } = chartData(check, series);
    const shape = JSON.stringify([check.allowed, check.compare]);
    const width = Math.max(260, chart.box.clientWidth || this.container.clientWidth / 2 || 480);
    const data = columns as uPlot.AlignedData;
    if (chart.plot === null || chart.shape !== shape) {
      chart.plot?.destroy();
      chart.box.replaceChildren();
      chart.plot = new uPlot(chartOptions(check, limits, width), data, chart.box);
      chart.shape = shape;
    } else {
      chart.plot.setData(data);
    }
    chart.figure.dataset.points = String(series.points.length);
    chart.figure.querySelector('[data-chart="distribution"]')?.remove();
    const distribution = distributionView(check);
    if (distribution !== null) chart.figure.append(distribution);
  }
}
