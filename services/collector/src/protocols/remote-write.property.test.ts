import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRemoteWrite } from './remote-write.ts';
import { encodeWriteRequest } from './remote-write-schema.ts';

// Gauge names only (no _total/_bucket/… suffix), so every sample maps to one gauge point.
const metricName = fc.stringMatching(/^[a-z][a-z0-9_]{0,12}_g$/);
const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_.]{0,10}$/).filter((n) => n !== '__name__');
const seriesArb = fc.record({
  name: metricName,
  labels: fc.dictionary(labelName, fc.string({ minLength: 1, maxLength: 30 }), { maxKeys: 6 }),
  samples: fc.array(
    fc.record({
      value: fc.double({ noNaN: true, noDefaultInfinity: true }),
      timestamp: fc.integer({ min: -1e15, max: 1e15 }),
    }),
    { maxLength: 4 },
  ),
});

describe('remote write round trip', () => {
  it('decodes whatever protobufjs encodes: names, labels, values and times', () => {
    fc.assert(
      fc.property(fc.array(seriesArb, { maxLength: 8 }), (series) => {
        const body = encodeWriteRequest({
          timeseries: series.map((s) => ({
            labels: [
              { name: '__name__', value: s.name },
              ...Object.entries(s.labels).map(([name, value]) => ({ name, value })),
            ],
            samples: s.samples,
          })),
        });
        const decoded = decodeRemoteWrite(body).points.map((p) => [p.name, p.attributes, p.value, p.timeMs]);
        const expected = series.flatMap((s) =>
          s.samples.map((sample) => [
            s.name,
            s.labels,
            { kind: 'gauge', value: sample.value },
            sample.timestamp,
          ]),
        );
        expect(decoded).toEqual(expected);
      }),
    );
  });
});
