import { type DecodedBatch, rejectionMessage } from './decoded-batch.ts';
import { ExportMetricsServiceResponse } from './otlp-schema.ts';

/**
 * ExportMetricsServiceResponse for a batch. On full success `partialSuccess` is left unset, as
 * the OTLP specification asks; otherwise it carries the rejected count and what was wrong.
 */
export function otlpResponseBody(batch: Pick<DecodedBatch, 'rejected' | 'rejectedCount'>): {
  partialSuccess?: { rejectedDataPoints: number; errorMessage: string };
} {
  if (batch.rejectedCount === 0) return {};
  return {
    partialSuccess: { rejectedDataPoints: batch.rejectedCount, errorMessage: rejectionMessage(batch) },
  };
}

export function encodeOtlpResponseProtobuf(
  batch: Pick<DecodedBatch, 'rejected' | 'rejectedCount'>,
): Uint8Array {
  return ExportMetricsServiceResponse.encode(
    ExportMetricsServiceResponse.fromObject(otlpResponseBody(batch)),
  ).finish();
}

/** OTLP/JSON encodes 64-bit integers as decimal strings. */
export function encodeOtlpResponseJson(batch: Pick<DecodedBatch, 'rejected' | 'rejectedCount'>): string {
  const body = otlpResponseBody(batch);
  if (body.partialSuccess === undefined) return '{}';
  const { rejectedDataPoints, errorMessage } = body.partialSuccess;
  return JSON.stringify({ partialSuccess: { rejectedDataPoints: String(rejectedDataPoints), errorMessage } });
}
