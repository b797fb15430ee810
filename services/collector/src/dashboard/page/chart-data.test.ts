import { describe, expect, it } from 'vitest';
import { chartData, estimateOf } from './chart-data.ts';

const point = (t: number, treatment: number, absolute: number, relative: number) => ({
  t,
  from: t - 60_000,
  cohorts: {
    treatment: {
      samples: 100,
      value: treatment,
      interval: [treatment - 1, treatment + 1] as [number, number],
    },
  },
  difference: {
    absolute: {
      samples: 100,
      value: absolute,
      interval: [absolute - 0.1, absolute + 0.1] as [number, number],
    },
    relative: {
      samples: 100,
      value: relative,
      interval: [relative - 0.01, relative + 0.01] as [number, number],
    },
  },
});

describe('chartData', () => {
  const points = [point(60_000, 5, 0.5, 0.1), point(120_000, 6, 0.6, 0.12)];

  it('plots an absolute check’s treatment value with its interval and each bound as a line', () => {
    const { columns, limits } = chartData({ compare: 'absolute', allowed: { min: 1, max: 10 } }, { points });
    expect(columns).toEqual([
      [60, 120],
      [5, 6],
      [4, 5],
      [6, 7],
      [10, 10],
      [1, 1],
    ]);
    expect(limits).toEqual([
      { side: 'max', text: '10' },
      { side: 'min', text: '1' },
    ]);
  });

  it('plots the relative difference, in fractions, against a percentage bound', () => {
    const { columns, limits } = chartData({ compare: 'control', allowed: { max: '+5%' } }, { points });
    expect(columns[1]).toEqual([0.1, 0.12]);
    expect(columns[4]).toEqual([0.05, 0.05]);
    expect(limits).toEqual([{ side: 'max', text: '+5%' }]);
  });

  it('plots the absolute difference against a bare-number bound', () => {
    const { columns } = chartData({ compare: 'baseline', allowed: { max: 1 } }, { points });
    expect(columns[1]).toEqual([0.5, 0.6]);
  });

  it('leaves gaps where a point has no estimate', () => {
    const bare = { t: 60_000, from: 0, cohorts: {} };
    expect(estimateOf({ compare: 'absolute', allowed: { max: 1 } }, bare)).toBeNull();
    expect(estimateOf({ compare: 'control', allowed: { max: 1 } }, bare)).toBeNull();
    const { columns } = chartData({ compare: 'control', allowed: { max: 1 } }, { points: [bare] });
    expect(columns.slice(0, 4)).toEqual([[60], [null], [null], [null]]);
  });
});
