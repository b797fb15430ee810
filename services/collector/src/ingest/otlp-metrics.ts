import type { Context } from 'hono';
import protobuf from 'protobufjs';
import type { App } from '../app.ts';
import { AppError, statusOf } from '../errors.ts';
import { decompress, parseContentEncoding } from '../protocols/decompress.ts';
import { decodeOtlpJson, decodeOtlpProtobuf } from '../protocols/otlp.ts';
import { encodeOtlpResponseJson, encodeOtlpResponseProtobuf } from '../protocols/otlp-response.ts';
import { requireIngestScope } from './ingest-auth.ts';
import { ingestMetrics } from './ingest-metrics.ts';
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
 * `POST /v1/metrics`: OTLP/HTTP metrics, protobuf or JSON, identity, gzip or deflate. Answers 200
 * with a partial-success body (in the request's encoding) only once the batch is stored.
 */
export function registerOtlpMetrics(app: App, deps: IngestDeps): void {
  const metrics = ingestMetrics(deps.metrics);
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
      const result = await ingestBatch(c, deps, 'otlp', async (body, matcher) => {
        const decoded = await decompress(body, encoding, deps.limits.maxDecodedBytes);
        const options = { wantsMetric: matcher.wantsMetric };
        const batch =
          format === 'json' ? decodeOtlpJson(decoded, options) : decodeOtlpProtobuf(decoded, options);
        // Decoded: an exporter may compress its retry afresh, and gzip bytes need not repeat.
        return { batch, identity: decoded };
      });
      if (format === 'json') {
        return c.body(encodeOtlpResponseJson(result), 200, { 'content-type': 'application/json' });
      }
      return c.body(Buffer.from(encodeOtlpResponseProtobuf(result)), 200, {
        'content-type': 'application/x-protobuf',
      });
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
