import { describe, expect, it } from 'vitest';
import { distributionChart } from './distribution-chart.ts';

const points = [
  { boundary: 0.1, treatment: 0.2, reference: 0.1, lower: 0.07, upper: 0.13 },
  { boundary: 0.2, treatment: 0.5, reference: 0.5, lower: -0.03, upper: 0.03 },
  { boundary: 0.4, treatment: 0.9, reference: 1, lower: -0.13, upper: -0.07 },
];

describe('distributionChart', () => {
  it('draws both CDFs over evenly spaced boundaries, higher shares higher up', () => {
    const chart = distributionChart({ points, widest: 0 }, { width: 344, height: 142 });
    // plot: x 44…332 (three slots of 96), y 12…112
    expect(chart.treatment).toBe('92.0,92.0 188.0,62.0 284.0,22.0');
    expect(chart.reference).toBe('92.0,102.0 188.0,62.0 284.0,12.0');
    expect(chart.xTicks.map((t) => t.label)).toEqual(['0.1', '0.2', '0.4']);
    expect(chart.yTicks.at(-1)).toEqual({ y: 12, label: '100%' });
  });

  it('marks where they differ most, in percentage points with the interval', () => {
    const chart = distributionChart({ points, widest: 2 });
    expect(chart.widest?.label).toBe('-10 points at 0.4 [-13, -7]');
    expect(chart.widest?.y1).toBeGreaterThan(chart.widest?.y2 ?? Number.POSITIVE_INFINITY);
  });

  it('labels at most about eight boundaries, always the widest', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({
      boundary: i,
      treatment: i / 30,
      reference: i / 30,
      lower: -0.01,
      upper: 0.01,
    }));
    const chart = distributionChart({ points: many, widest: 17 });
    expect(chart.xTicks.length).toBeLessThanOrEqual(9);
    expect(chart.xTicks.map((t) => t.label)).toContain('17');
  });
});
