import { describe, expect, it } from 'vitest';
import {
  bucketKey,
  cumulativeBucketField,
  emptyBucketVector,
  explicitBucketField,
  explicitLayout,
  keptRange,
  mergeBucketVector,
  metricKeyPart,
  parseBucketFields,
  planWindow,
  RESOLUTIONS,
  UNTAGGED_LAYOUT,
} from './buckets.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const NOW = 100 * D + 3 * H + 17 * M + 23 * S;

function covered(refs: ReturnType<typeof planWindow>) {
  const spans = refs.map((r) => [r.startMs, r.startMs + r.resolution.ms] as const);
  for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBe(spans[i - 1]![1]);
  return { from: spans[0]![0], to: spans.at(-1)![1], reads: refs.length };
}

describe('planWindow', () => {
  it.each([
    ['10 s', 10 * S, 10 * S, 2],
    ['1 min', M, 10 * S, 7],
    ['1 h', H, 10 * S, 80],
    ['6 h (the edge just inside 10 s retention)', 6 * H - 10 * S, 10 * S, 100],
    ['1 d', D, 5 * M, 80],
    ['7 d', 7 * D, 5 * M, 250],
  ])(
    'a trailing %s window is covered without gaps or overlap, exact to its edge resolution',
    (_, length, edge, maxReads) => {
      const { from, to, reads } = covered(planWindow(NOW - length, NOW, NOW));
      expect(from).toBeLessThanOrEqual(NOW - length);
      expect(NOW - length - from).toBeLessThan(edge);
      expect(to).toBeGreaterThanOrEqual(NOW);
      expect(to - NOW).toBeLessThan(10 * S);
      expect(reads).toBeLessThanOrEqual(maxReads);
    },
  );

  it('never reads a 10 s bucket older than 10 s buckets are kept', () => {
    const fineKept = RESOLUTIONS[0]!.ttlSeconds * 1000;
    const refs = planWindow(NOW - 2 * D, NOW, NOW);
    for (const ref of refs) {
      if (ref.resolution.name === '10s') expect(ref.startMs).toBeGreaterThanOrEqual(NOW - fineKept);
    }
  });

  it.each([
    ['ending far in the future', NOW - H, 1e18],
    ['starting at the epoch', 0, NOW],
    ['spanning all of JavaScript time', -8.64e15, 8.64e15],
  ])('reads only what is kept from a window %s', (_, from, to) => {
    const refs = planWindow(from, to, NOW);
    const kept = keptRange(NOW);
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.length).toBeLessThanOrEqual(250);
    expect(refs[0]!.startMs).toBeGreaterThanOrEqual(kept.fromMs);
    expect(refs.at(-1)!.startMs).toBeLessThan(kept.toMs);
  });

  it('reads nothing for a window wholly outside what is kept', () => {
    expect(planWindow(NOW + D, NOW + 2 * D, NOW)).toEqual([]);
    expect(planWindow(0, NOW - 30 * D, NOW)).toEqual([]);
  });

  it('reads whole aligned buckets of the coarsest size inside the window', () => {
    const refs = planWindow(10 * H, 13 * H, 14 * H);
    expect(refs.map((r) => `${r.resolution.name}@${r.startMs / H}`)).toEqual(['1h@10', '1h@11', '1h@12']);
  });
});

describe('bucket fields', () => {
  it('parse and merge as a sparse vector', () => {
    const a = parseBucketFields({
      n: '2',
      s: '3',
      q: '5',
      mn: '1',
      mx: '2',
      lv: '2',
      lt: '100',
      'b:1': '1',
      'b:+Inf': '1',
      'e:3:p:4': '2',
      ci: '7',
      'r:p:1': '1',
      rz: '1',
      unknown: '9',
    });
    const b = parseBucketFields({
      n: '1',
      s: '-1',
      q: '1',
      mn: '-1',
      mx: '-1',
      lv: '-1',
      lt: '90',
      'b:1': '2',
      'e:3:p:4': '1',
      'e:2:n:0': '1',
      ci: '0.5',
      'r:p:1': '2',
    });
    const merged = mergeBucketVector(mergeBucketVector(emptyBucketVector(), a), b);
    expect(merged).toMatchObject({
      count: 3,
      sum: 2,
      sumSquares: 6,
      min: -1,
      max: 2,
      lastValue: 2,
      lastTime: 100,
      counterIncrease: 7.5,
    });
    expect([...merged.explicit]).toEqual([
      [
        UNTAGGED_LAYOUT,
        new Map([
          [1, 3],
          [Number.POSITIVE_INFINITY, 1],
        ]),
      ],
    ]);
    expect(merged.exponential.get(3)?.positive.get(4)).toBe(3);
    expect(merged.exponential.get(2)?.negative.get(0)).toBe(1);
    expect(merged.raw).toEqual({ positive: new Map([[1, 3]]), negative: new Map(), zeroCount: 1 });
  });
});

describe('keys', () => {
  it('escape metric names that hold key separators, keeping distinct names distinct', () => {
    expect(metricKeyPart('job:requests:rate5m')).toBe('job%3Arequests%3Arate5m');
    expect(metricKeyPart('a%3Ab')).not.toBe(metricKeyPart('a:b'));
    expect(bucketKey('checkout', '10s', 'job:errors', 'treatment', 0)).toBe(
      'rg:{checkout}:bucket:10s:job%3Aerrors:treatment:0',
    );
  });
});

describe('explicit bucket fields', () => {
  it('tag each bound with a short digest that depends on the layout only', () => {
    const a = explicitLayout([0.1, 0.5, 1]);
    expect(a).toMatch(/^[\w-]{6}$/);
    expect(explicitLayout([0.1, 0.5, 1])).toBe(a);
    expect(explicitLayout([0.1, 0.5, 2])).not.toBe(a);
    expect(explicitLayout([0.1, 0.5])).not.toBe(a);
    expect(explicitBucketField(a, 0.5)).toBe(`b:${a}:0.5`);
    expect(explicitBucketField(a, Number.POSITIVE_INFINITY)).toBe(`b:${a}:+Inf`);
  });

  it.each([
    {
      name: 'one layout',
      fields: { 'b:AAAAAA:1': '2', 'b:AAAAAA:+Inf': '1' },
      want: {
        AAAAAA: [
          [1, 2],
          [Number.POSITIVE_INFINITY, 1],
        ],
      },
    },
    {
      name: 'two layouts kept apart',
      fields: { 'b:AAAAAA:1': '2', 'b:BBBBBB:1': '3', 'b:BBBBBB:1.5': '4' },
      want: {
        AAAAAA: [[1, 2]],
        BBBBBB: [
          [1, 3],
          [1.5, 4],
        ],
      },
    },
    {
      name: 'untagged fields written before layouts were tagged, as one layout',
      fields: { 'b:0.5': '1', 'b:1e-7': '2', 'b:+Inf': '3', 'b:AAAAAA:0.5': '4' },
      want: {
        [UNTAGGED_LAYOUT]: [
          [0.5, 1],
          [1e-7, 2],
          [Number.POSITIVE_INFINITY, 3],
        ],
        AAAAAA: [[0.5, 4]],
      },
    },
    {
      name: 'malformed bounds ignored',
      fields: { 'b:': '1', 'b:AAAAAA:': '1', 'b:AAAAAA:x': '1' },
      want: {},
    },
  ])('parse $name', ({ fields, want }) => {
    const explicit = parseBucketFields(fields).explicit;
    expect(Object.fromEntries([...explicit].map(([layout, counts]) => [layout, [...counts]]))).toEqual(want);
  });
});

describe('cumulative bucket fields', () => {
  const INF = Number.POSITIVE_INFINITY;

  it('write the upper bound as Prometheus writes le', () => {
    expect(cumulativeBucketField(0.5)).toBe('c:0.5');
    expect(cumulativeBucketField(10)).toBe('c:10');
    expect(cumulativeBucketField(1e-7)).toBe('c:1e-7');
    expect(cumulativeBucketField(INF)).toBe('c:+Inf');
  });

  it.each([
    {
      name: 'bounds with +Inf, beside other fields',
      fields: { n: '6', 'c:0.5': '2', 'c:1': '5', 'c:+Inf': '6', 'b:AAAAAA:1': '9' },
      want: [
        [0.5, 2],
        [1, 5],
        [INF, 6],
      ],
    },
    {
      name: 'bounds written as a number formats them',
      fields: { 'c:1e-7': '1', 'c:0.25': '1.5', 'c:-1': '0' },
      want: [
        [1e-7, 1],
        [0.25, 1.5],
        [-1, 0],
      ],
    },
    {
      name: 'without +Inf (the +Inf series not yet arrived)',
      fields: { 'c:1': '3' },
      want: [[1, 3]],
    },
    {
      name: 'malformed bounds and values ignored',
      fields: {
        'c:': '1',
        'c:x': '1',
        'c: 1': '1',
        'c:-Inf': '1',
        'c:NaN': '1',
        'c:AAAAAA:1': '1',
        'c:2': 'x',
        'c:3': '4',
      },
      want: [[3, 4]],
    },
  ])('parse $name', ({ fields, want }) => {
    expect([...parseBucketFields(fields).cumulative]).toEqual(want);
  });

  it('merge bound by bound, keeping bounds only one side has', () => {
    const a = parseBucketFields({ n: '3', 'c:0.5': '1', 'c:1': '2', 'c:+Inf': '3' });
    const b = parseBucketFields({ n: '2', 'c:1': '2', 'c:2.5': '2', 'c:+Inf': '2' });
    const merged = mergeBucketVector(mergeBucketVector(emptyBucketVector(), a), b);
    expect(merged.count).toBe(5);
    expect(new Map(merged.cumulative)).toEqual(
      new Map([
        [0.5, 1],
        [1, 4],
        [2.5, 2],
        [INF, 5],
      ]),
    );
    expect(a.cumulative.get(1)).toBe(2);
    expect(emptyBucketVector().cumulative.size).toBe(0);
  });
});
