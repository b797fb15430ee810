import { bench, describe } from 'vitest';
import { decodeRemoteWrite } from './remote-write.ts';
import { encodeWriteRequest, WriteRequest } from './remote-write-schema.ts';

/** 2,000 series of one sample and 10 labels each: one full Prometheus remote-write shard batch. */
function payload(): Uint8Array {
  const timeseries = [];
  for (let i = 0; i < 2000; i++) {
    const labels = [
      { name: '__name__', value: i % 4 === 0 ? 'http_requests_total' : `metric_${i % 50}_total` },
    ];
    for (let l = 0; l < 9; l++) labels.push({ name: `label_${l}`, value: `value-${(i * 7 + l) % 1000}` });
    timeseries.push({ labels, samples: [{ value: i * 1.5, timestamp: 1700000000000 + i }] });
  }
  return encodeWriteRequest({ timeseries });
}

const body = payload();

describe('remote write 1.0 decoding, 2,000 samples', () => {
  bench('protobufjs WriteRequest.decode (messages only, no points)', () => {
    WriteRequest.decode(body);
  });
  bench('decodeRemoteWrite (points out)', () => {
    decodeRemoteWrite(body);
  });
  bench('decodeRemoteWrite with a prefilter keeping 1 metric in 4', () => {
    decodeRemoteWrite(body, { wantsMetric: (name) => name === 'http_requests_total' });
  });
});
