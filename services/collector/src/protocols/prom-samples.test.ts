import { describe, expect, it } from 'vitest';
import { BatchBuilder } from './decoded-batch.ts';
import type { PointValue } from './point.ts';
import { familyName, type PromSample, type PromType, samplesToPoints, wantsSample } from './prom-samples.ts';

const T = 1000;
const s = (name: string, labels: Record<string, string>, value: number, timeMs = T): PromSample => ({
  name,
  labels,
  value,
  timeMs,
});

function run(samples: PromSample[], types: Record<string, PromType> = {}) {
  const out = new BatchBuilder();
  samplesToPoints(samples, new Map(Object.entries(types)), out);
  return out.build();
}

const hist = (bounds: number[], counts: number[], count: number, sum?: number): PointValue => ({
  kind: 'histogram',
  temporality: 'cumulative',
  bounds,
  counts,
  count,
  ...(sum === undefined ? {} : { sum }),
});

describe('familyName and wantsSample', () => {
  it.each([
    ['x_bucket', 'x'],
    ['x_sum', 'x'],
    ['x_count', 'x'],
    ['x_gcount', 'x'],
    ['x_total', undefined],
    ['_bucket', undefined],
    ['x', undefined],
  ])('%s → %s', (name, family) => {
    expect(familyName(name)).toBe(family);
  });

  it('wants a histogram part when its family is wanted', () => {
    const wants = (n: string) => n === 'x';
    expect([
      wantsSample('x_bucket', wants),
      wantsSample('x_total', wants),
      wantsSample('y', undefined),
    ]).toEqual([true, false, true]);
  });
});

describe('samplesToPoints', () => {
  it.each<
    [
      string,
      PromSample[],
      Record<string, PromType>,
      { name: string; attributes: object; value: PointValue }[],
    ]
  >([
    [
      'a histogram given in any order, without metadata',
      [
        s('h_count', { a: '1' }, 4),
        s('h_bucket', { a: '1', le: '+Inf' }, 4),
        s('h_bucket', { le: '1', a: '1' }, 1),
        s('h_sum', { a: '1' }, 9),
        s('h_bucket', { a: '1', le: '2.5' }, 3),
      ],
      {},
      [{ name: 'h', attributes: { a: '1' }, value: hist([1, 2.5], [1, 2, 1], 4, 9) }],
    ],
    [
      'one histogram per label set',
      [s('h_bucket', { a: '1', le: '+Inf' }, 1), s('h_bucket', { a: '2', le: '+Inf' }, 2)],
      {},
      [
        { name: 'h', attributes: { a: '1' }, value: hist([], [1], 1) },
        { name: 'h', attributes: { a: '2' }, value: hist([], [2], 2) },
      ],
    ],
    [
      'a histogram with only _sum and _count, typed by metadata',
      [s('h_sum', {}, 3), s('h_count', {}, 2)],
      { h: 'histogram' },
      [{ name: 'h', attributes: {}, value: hist([], [], 2, 3) }],
    ],
    [
      'a summary from quantile, _sum and _count',
      [
        s('rpc', { quantile: '0.99' }, 9),
        s('rpc', { quantile: '0.5' }, 2),
        s('rpc', { quantile: '0.9' }, Number.NaN),
        s('rpc_sum', {}, 30),
        s('rpc_count', {}, 10),
      ],
      {},
      [
        {
          name: 'rpc',
          attributes: {},
          value: {
            kind: 'summary',
            count: 10,
            sum: 30,
            quantiles: [
              { quantile: 0.5, value: 2 },
              { quantile: 0.99, value: 9 },
            ],
          },
        },
      ],
    ],
    [
      'lone _count and _sum as counters',
      [s('jobs_count', {}, 3), s('jobs_sum', {}, -2)],
      {},
      [
        {
          name: 'jobs_count',
          attributes: {},
          value: { kind: 'sum', value: 3, monotonic: true, temporality: 'cumulative' },
        },
        {
          name: 'jobs_sum',
          attributes: {},
          value: { kind: 'sum', value: -2, monotonic: false, temporality: 'cumulative' },
        },
      ],
    ],
    [
      'an OpenMetrics counter family typed without _total',
      [s('requests_total', {}, 3)],
      { requests: 'counter' },
      [
        {
          name: 'requests_total',
          attributes: {},
          value: { kind: 'sum', value: 3, monotonic: true, temporality: 'cumulative' },
        },
      ],
    ],
    [
      'an le label on a gauge family left alone',
      [s('temp_bucket', { le: '1' }, 3)],
      { temp: 'gauge' },
      [{ name: 'temp_bucket', attributes: { le: '1' }, value: { kind: 'gauge', value: 3 } }],
    ],
  ])('%s', (_name, samples, types, expected) => {
    const batch = run(samples, types);
    expect(batch.rejected).toEqual([]);
    expect(batch.points.map(({ name, attributes, value }) => ({ name, attributes, value }))).toEqual(
      expected,
    );
  });

  it('keeps histograms of different timestamps apart', () => {
    const batch = run([s('h_bucket', { le: '+Inf' }, 1, 1000), s('h_bucket', { le: '+Inf' }, 3, 2000)]);
    expect(batch.points.map((p) => [p.timeMs, p.value])).toEqual([
      [1000, hist([], [1], 1)],
      [2000, hist([], [3], 3)],
    ]);
  });

  it.each([
    ['no +Inf bucket', [s('h_bucket', { le: '1' }, 1)], 'a histogram needs an le="+Inf" bucket'],
    [
      'decreasing buckets',
      [s('h_bucket', { le: '1' }, 5), s('h_bucket', { le: '+Inf' }, 4)],
      'bucket counts must not decrease as le grows',
    ],
    [
      'a repeated le',
      [s('h_bucket', { le: '1' }, 1), s('h_bucket', { le: '1.0' }, 1), s('h_bucket', { le: '+Inf' }, 1)],
      'le="1" appears twice',
    ],
    [
      '_count differing from +Inf',
      [s('h_bucket', { le: '+Inf' }, 4), s('h_count', {}, 5)],
      '_count is 5 but the +Inf bucket is 4',
    ],
    ['a summary without _count', [s('q', { quantile: '0.5' }, 1)], 'a summary needs a _count sample'],
    [
      'gauge histogram samples',
      [s('g_bucket', { le: '+Inf' }, 1), s('g_gcount', {}, 1)],
      'gauge histograms are not supported',
    ],
  ])('rejects a histogram or summary with %s', (_name, samples, reason) => {
    const batch = run(samples, {});
    expect(batch.points).toEqual([]);
    expect(batch.rejected.map((r) => r.reason)).toEqual([reason]);
    expect(batch.rejectedCount).toBe(samples.length);
  });

  it('drops a histogram with a NaN bucket, and a NaN gauge, as non-finite', () => {
    const batch = run([s('h_bucket', { le: '+Inf' }, Number.NaN), s('g', {}, Number.NaN)]);
    expect(batch.points).toEqual([]);
    expect(batch.dropped).toEqual({ 'non-finite-value': 2 });
  });
});
