import { describe, expect, it } from 'vitest';
import { encodeOtlpResponseJson, encodeOtlpResponseProtobuf } from './otlp-response.ts';
import { ExportMetricsServiceResponse } from './otlp-schema.ts';

const partial = {
  rejectedCount: 3,
  rejected: [
    { reason: 'timeUnixNano must be a positive integer', count: 2, example: 'metric a at x' },
    { reason: 'metric has no name', count: 1, example: 'y' },
  ],
};
const message =
  '2 point(s) rejected: timeUnixNano must be a positive integer (first: metric a at x); ' +
  '1 point(s) rejected: metric has no name (first: y)';

describe('OTLP responses', () => {
  it('leaves partialSuccess unset when everything was accepted', () => {
    expect(encodeOtlpResponseJson({ rejectedCount: 0, rejected: [] })).toBe('{}');
    expect(encodeOtlpResponseProtobuf({ rejectedCount: 0, rejected: [] })).toHaveLength(0);
  });

  it('encodes partial success as JSON with the count as a string', () => {
    expect(JSON.parse(encodeOtlpResponseJson(partial))).toEqual({
      partialSuccess: { rejectedDataPoints: '3', errorMessage: message },
    });
  });

  it('encodes partial success as protobuf', () => {
    const decoded = ExportMetricsServiceResponse.toObject(
      ExportMetricsServiceResponse.decode(encodeOtlpResponseProtobuf(partial)),
      { longs: Number },
    );
    expect(decoded).toEqual({ partialSuccess: { rejectedDataPoints: 3, errorMessage: message } });
  });
});
