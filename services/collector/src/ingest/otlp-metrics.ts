import type { Context } from 'hono';
import protobuf from 'protobufjs';
import type { App } from '../app.ts';
import { AppError, statusOf } from '../errors.ts';
import { DecodeError } from '../protocols/decode-error.ts';
import { type ContentEncoding, decompress, parseContentEncoding } from '../protocols/decompress.ts';
import { decodeOtlpJson, decodeOtlpProtobuf } from '../protocols/otlp.ts';
import { encodeOtlpResponseJson, encodeOtlpResponseProtobuf } from '../protocols/otlp-response.ts';
import { BudgetExceeded, type DecodeLease } from './decode-budget.ts';
import { requireIngestScope } from './ingest-auth.ts';
import { ingestMetrics, watchRememberedSeries } from './ingest-metrics.ts';
import { type IngestDeps, ingestBatch } from './ingest-request.ts';

type OtlpFormat = 'protobuf' | 'json';

/** OTLP/HTTP's media types; parameters such as charset are allowed. */
export function otlpFormat(contentType: string | undefined): OtlpFormat | undefined {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf') return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  return undefined;
}

// google.rpc.Status codes for the HTTP statuses the route answers with (OTLP/HTTP error bodies).
const RPC_CODE: Record<number, number> = {
  400: 3,
  401: 16,
  403: 7,
  413: 3,
  415: 3,
  429: 8,
  500: 13,
  503: 14,
};

/** OTLP/HTTP: 4xx/5xx bodies are a google.rpc.Status in the request's encoding. */
function statusProtobuf(httpStatus: number, message: string): Uint8Array {
  return protobuf.Writer.create()
    .uint32(8)
    .int32(RPC_CODE[httpStatus] ?? 2)
    .uint32(18)
    .string(message)
    .finish();
}

/**
 * Decompresses within what the budget has free: zlib stops at that many bytes, so requests in flight
 * never hold more than the budget however their bodies inflate. A body that passes what was free but
 * not the per-request limit is retried later (busy), not refused.
 */
async function decompressWithin(
  body: Uint8Array,
  encoding: ContentEncoding,
  maxBytes: number,
  lease: DecodeLease,
): Promise<Uint8Array> {
  if (encoding === 'identity') return decompress(body, encoding, maxBytes);
  const room = lease.takeUpTo(maxBytes);
  try {
    const decoded = await decompress(body, encoding, room);
    lease.giveBack(room - decoded.byteLength);
    return decoded;
  } catch (error) {
    lease.giveBack(room);
    if (error instanceof DecodeError && error.tooLarge && room < maxBytes) {
      // Past what the budget could give: the whole of it (send less) or only what was free (retry).
      const whole = lease.budget.totalBytes - lease.heldBytes;
      throw new BudgetExceeded(
        room >= whole ? 'tooLarge' : 'busy',
        room >= whole
          ? `the body decompresses to more than the ${lease.budget.totalBytes} bytes of INGEST_DECODE_BUDGET_BYTES, the limit on bytes decoded at once; send smaller batches`
          : `the body decompresses to more than the ${room} bytes free of INGEST_DECODE_BUDGET_BYTES while other requests decode`,
      );
    }
    throw error;
  }
}

/**
 * `POST /v1/metrics`: OTLP/HTTP metrics, protobuf or JSON, identity, gzip or deflate. Answers 200
 * with a partial-success body (in the request's encoding) only once the batch is stored.
 */
export function registerOtlpMetrics(app: App, deps: IngestDeps): void {
  const metrics = ingestMetrics(deps.metrics);
  watchRememberedSeries(deps.metrics, deps.runtime);
  app.post('/v1/metrics', requireIngestScope(deps.verifyToken), async function otlpMetrics(c: Context) {
    const started = performance.now();
    const format = otlpFormat(c.req.header('content-type'));
    let status = 200;
    try {
      if (format === undefined) {
        throw new AppError({
          code: 'UNSUPPORTED_MEDIA_TYPE',
          message: `Content-Type "${c.req.header('content-type') ?? ''}" is not OTLP/HTTP; send application/x-protobuf or application/json`,
        });
      }
      const encoding = parseContentEncoding(c.req.header('content-encoding'));
      if (encoding === undefined) {
        throw new AppError({
          code: 'UNSUPPORTED_MEDIA_TYPE',
          message: `Content-Encoding "${c.req.header('content-encoding')}" is not supported; send gzip, deflate or none`,
        });
      }
      const result = await ingestBatch(c, deps, 'otlp', async (body, matcher, lease) => {
        const decoded = await decompressWithin(body, encoding, deps.limits.maxDecodedBytes, lease);
        const { runtime } = deps;
        const batch =
          format === 'json'
            ? decodeOtlpJson(decoded, { wantsMetric: matcher.wantsMetric, series: runtime.otlpJsonSeries })
            : decodeOtlpProtobuf(decoded, { wantsMetric: matcher.wantsMetric, series: runtime.otlpSeries });
        // Decoded: an exporter may compress its retry afresh, and gzip bytes need not repeat.
        return { batch, identity: decoded };
      });
      if (format === 'json') {
        return c.body(encodeOtlpResponseJson(result), 200, { 'content-type': 'application/json' });
      }
      const response = encodeOtlpResponseProtobuf(result);
      // Full success is an empty message, zero bytes: headers alone, one write instead of two.
      if (response.byteLength === 0) {
        return c.body(null, 200, { 'content-type': 'application/x-protobuf', 'content-length': '0' });
      }
      return c.body(Buffer.from(response), 200, { 'content-type': 'application/x-protobuf' });
    } catch (error) {
      status = error instanceof AppError ? error.status : 500;
      if (!(error instanceof AppError)) throw error;
      if (format !== 'protobuf') throw error;
      if (error.retryAfterSeconds !== undefined) c.header('Retry-After', String(error.retryAfterSeconds));
      return c.body(Buffer.from(statusProtobuf(status, error.message)), statusOf(error.code), {
        'content-type': 'application/x-protobuf',
      });
    } finally {
      metrics.requestDuration.observe(
        { protocol: 'otlp', status: String(status) },
        (performance.now() - started) / 1000,
      );
    }
  });
}
