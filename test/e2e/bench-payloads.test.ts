// The benchmarks' hand-built remote-write bodies (test/bench is outside `pnpm test`): checked here against the schema.

import snappy from 'snappy';
import { describe, expect, it } from 'vitest';
import { WriteRequest } from '../../services/collector/src/protocols/remote-write-schema.ts';
import { planLabels, RemoteWriteBatches } from '../bench/payloads.ts';

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
    const decoded = WriteRequest.toObject(
      WriteRequest.decode(snappy.uncompressSync(batches.batch(0, ts, 42.5)) as Buffer),
      {
        longs: Number,
      },
    ) as {
      timeseries: {
        labels: { name: string; value: string }[];
        samples: { value: number; timestamp: number }[];
      }[];
    };
    expect(decoded.timeseries).toHaveLength(300);
    decoded.timeseries.forEach((series, i) => {
      expect(series.labels.map((l) => [l.name, l.value])).toEqual(labels[i]);
      expect(series.samples).toEqual([{ value: 42.5, timestamp: ts }]);
    });
  });
});
