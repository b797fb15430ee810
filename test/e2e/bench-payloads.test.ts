// The benchmarks' hand-built remote-write bodies (test/bench is outside `pnpm test`): checked here
// against the protobuf schema and the collector's own decoder, for every shape of the payload matrix.

import snappy from 'snappy';
import { describe, expect, it } from 'vitest';
import { decodeRemoteWrite } from '../../services/collector/src/protocols/remote-write.ts';
import { WriteRequest } from '../../services/collector/src/protocols/remote-write-schema.ts';
import {
  HISTOGRAM_BOUNDS,
  planLabels,
  RemoteWriteBatches,
  remoteWritePayloads,
  rolloutMetric,
  SERIES_PER_HISTOGRAM,
  seriesPerRequestOf,
} from '../bench/payloads.ts';
import { MATRIX, measuredRequests, shapePlan, shapesNamed } from '../bench/shapes.ts';

interface Decoded {
  timeseries: {
    labels: { name: string; value: string }[];
    samples: { value: number; timestamp: number }[];
  }[];
}

function decode(body: Buffer): Decoded {
  return WriteRequest.toObject(WriteRequest.decode(snappy.uncompressSync(body) as Buffer), {
    longs: Number,
  }) as Decoded;
}

const START_MS = 1_763_760_000_000;

describe('RemoteWriteBatches', () => {
  it('builds what the protobuf schema decodes: every series with its labels, value and timestamp', () => {
    const labels = planLabels(
      {
        scenario: 's',
        senders: 1,
        seriesPerRequest: 300,
        requestsPerSender: 1,
        matchingShare: 0.01,
        startMs: 0,
      },
      0,
    );
    const batches = new RemoteWriteBatches([labels]);
    const ts = 1_763_760_123_456;
    const decoded = decode(batches.batch(0, ts, 42.5));
    expect(decoded.timeseries).toHaveLength(300);
    decoded.timeseries.forEach((series, i) => {
      expect(series.labels.map((l) => [l.name, l.value])).toEqual(labels[i]);
      expect(series.samples).toEqual([{ value: 42.5, timestamp: ts }]);
    });
  });
});

describe('the payload matrix', () => {
  it.each(MATRIX.map((shape) => [shape.name, shape] as const))(
    '%s: every request decodes to its series, labels, kind and matching share',
    (_name, shape) => {
      // Two rounds of two requests: the second round must carry on the first's times and values.
      const rounds = [0, 1].map((round) => remoteWritePayloads(shapePlan(shape, 2, START_MS, round)));
      const plan = shapePlan(shape, 2, START_MS, 0);
      const series = seriesPerRequestOf(plan);
      expect(rounds[0]).toHaveLength(shape.senders);
      // Series are the sender's own: no label set is sent by two senders.
      const labelSets = new Set(
        Array.from({ length: shape.senders }, (_, sender) => planLabels(plan, sender))
          .flat()
          .map((labels) => JSON.stringify(labels)),
      );
      expect(labelSets.size).toBe(series * shape.senders);
      // Decoded in full: the first sender's and the last's (the others differ in the sender's number only).
      for (const sender of new Set([0, shape.senders - 1])) {
        const requests = rounds[0]?.[sender] ?? [];
        const first = decode(requests[0] as Buffer);
        const last = decode(rounds[1]?.[sender]?.[1] as Buffer);
        expect(first.timeseries).toHaveLength(series);
        expect(last.timeseries).toHaveLength(series);
        const family = rolloutMetric(shape.kind, sender);
        let matching = 0;
        first.timeseries.forEach((one, i) => {
          const names = one.labels.map((l) => l.name);
          // Remote write's rules: sorted by name, no name twice, `__name__` present.
          expect(names).toEqual([...names].sort());
          expect(new Set(names).size).toBe(names.length);
          const name = one.labels.find((l) => l.name === '__name__')?.value ?? '';
          const bucket = name.endsWith('_bucket');
          expect(names).toHaveLength(shape.labelsPerSeries + (bucket ? 1 : 0));
          if (name.startsWith(family)) matching++;
          expect(one.samples).toEqual([{ value: expect.any(Number), timestamp: START_MS }]);
          expect(last.timeseries[i]?.samples[0]?.timestamp).toBe(START_MS + 3_000);
          expect(labelSets.has(JSON.stringify(one.labels.map((l) => [l.name, l.value])))).toBe(true);
        });
        expect(matching).toBe(Math.round(series * shape.matchingShare));

        // The collector's decoder sees the kind the shape names, every series a point of it.
        const points = decodeRemoteWrite(snappy.uncompressSync(requests[0] as Buffer) as Buffer).points;
        expect(points).toHaveLength(series);
        const kinds = new Set(points.map((p) => p.value.kind));
        if (shape.kind === 'histogram') {
          // Classic histograms arrive as parts; storage puts each histogram's together.
          expect(kinds).toEqual(new Set(['classicPart']));
          const parts = points.flatMap((p) => (p.value.kind === 'classicPart' ? [p.value] : []));
          const histograms = series / SERIES_PER_HISTOGRAM;
          expect(parts.filter((p) => p.part === 'count')).toHaveLength(histograms);
          expect(parts.filter((p) => p.part === 'sum')).toHaveLength(histograms);
          const bounds = parts.slice(0, HISTOGRAM_BOUNDS.length + 1).map((p) => p.le);
          expect(bounds).toEqual([...HISTOGRAM_BOUNDS.map(Number), Number.POSITIVE_INFINITY]);
          // Cumulative buckets: rising with the bound, +Inf holding every observation (the count).
          const counts = parts.slice(0, HISTOGRAM_BOUNDS.length + 1).map((p) => p.value);
          expect(counts).toEqual([...counts].sort((x, y) => x - y));
          expect(counts.at(-1)).toBe(parts[HISTOGRAM_BOUNDS.length + 2]?.value);
        } else {
          expect(kinds).toEqual(new Set([shape.kind === 'gauge' ? 'gauge' : 'sum']));
        }
      }
    },
  );

  it('sends rising counters and gauges whose values vary', () => {
    const values = (name: string, round: number) => {
      const shape = shapesNamed(name)[0];
      if (shape === undefined) throw new Error(name);
      const body = remoteWritePayloads(shapePlan(shape, 2, START_MS, round))[0]?.[1] as Buffer;
      return decode(body).timeseries.map((s) => s.samples[0]?.value ?? Number.NaN);
    };
    const before = values('default', 0);
    const after = values('default', 1);
    for (const [i, value] of after.entries())
      expect(value).toBeGreaterThan(before[i] ?? Number.POSITIVE_INFINITY);
    const gauges = values('gauges', 0);
    expect(new Set(gauges).size).toBeGreaterThan(gauges.length * 0.9);
    expect(new Set(values('gauges', 1))).not.toEqual(new Set(gauges));
  });

  it('refuses an unknown shape by name, saying which there are', () => {
    expect(() => shapesNamed('default,labels-4')).toThrow(/"labels-4".*labels-3, labels-15/);
    expect(shapesNamed('all')).toHaveLength(MATRIX.length);
  });

  it('sizes each run by samples, within 20 and 300 requests per sender', () => {
    const byName = (name: string) => shapesNamed(name)[0] ?? MATRIX[0];
    expect(measuredRequests(byName('default') as (typeof MATRIX)[number], 400_000)).toBe(67);
    expect(measuredRequests(byName('series-100') as (typeof MATRIX)[number], 400_000)).toBe(300);
    expect(measuredRequests(byName('series-8000') as (typeof MATRIX)[number], 400_000)).toBe(20);
  });
});
