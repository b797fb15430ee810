import type { Context } from 'hono';
import type { App } from '../app.ts';
import { AppError } from '../errors.ts';
import { rejectionMessage } from '../protocols/decoded-batch.ts';
import { decodeRemoteWrite, remoteWriteVersion } from '../protocols/remote-write.ts';
import { snappyDeclaredLength, unsnappy } from '../protocols/snappy-block.ts';
import { requireIngestScope } from './ingest-auth.ts';
import { ingestMetrics, watchRememberedSeries } from './ingest-metrics.ts';
import { type IngestDeps, ingestBatch } from './ingest-request.ts';

/**
 * `POST /api/v1/write`: Prometheus remote write 1.0 (snappy block, prometheus.WriteRequest). 204 once
 * stored; 400 with what was wrong when points were refused (after storing the rest: Prometheus does
 * not retry a 400, and the refused points would be refused again); 415 for remote write 2.0.
 */
export function registerRemoteWrite(app: App, deps: IngestDeps): void {
  const metrics = ingestMetrics(deps.metrics);
  watchRememberedSeries(deps.metrics, deps.runtime);
  app.post('/api/v1/write', requireIngestScope(deps.verifyToken), async function remoteWrite(c: Context) {
    const started = performance.now();
    let status = 204;
    try {
      const contentType = c.req.header('content-type');
      const version = remoteWriteVersion(contentType);
      if (version !== 'v1') {
        throw new AppError({
          code: 'UNSUPPORTED_MEDIA_TYPE',
          message:
            version === 'v2'
              ? 'Remote write 2.0 (io.prometheus.write.v2.Request) is not supported; configure protobuf_message: prometheus.WriteRequest'
              : `Content-Type "${contentType}" is not remote write; send application/x-protobuf (prometheus.WriteRequest)`,
        });
      }
      const encoding = (c.req.header('content-encoding') ?? 'snappy').trim().toLowerCase();
      if (encoding !== 'snappy') {
        throw new AppError({
          code: 'UNSUPPORTED_MEDIA_TYPE',
          message: `Content-Encoding "${encoding}" is not supported for remote write; send snappy`,
        });
      }
      const result = await ingestBatch(c, deps, 'remote-write', async (body, matcher, lease) => {
        // Snappy declares the decoded length first: taken from the budget before decoding.
        const declared = snappyDeclaredLength(body);
        if (declared !== undefined && declared <= deps.limits.maxDecodedBytes) lease.require(declared);
        const decoded = await unsnappy(body, deps.limits.maxDecodedBytes);
        return {
          batch: decodeRemoteWrite(decoded, {
            wantsMetric: matcher.wantsMetric,
            readsMetric: matcher.readsMetric,
            labels: deps.runtime.remoteWriteLabels,
          }),
          // Prometheus retries a batch with the very bytes it sent (snappy is deterministic): the
          // compressed body identifies it as well as the decoded one, at a tenth of the hashing.
          identity: body,
        };
      });
      if (result.rejectedCount > 0) {
        throw new AppError({
          code: 'BAD_REQUEST',
          message: `The other points are stored; ${rejectionMessage(result)}`,
        });
      }
      return c.body(null, 204);
    } catch (error) {
      status = error instanceof AppError ? error.status : 500;
      throw error;
    } finally {
      metrics.requestDuration.observe(
        { protocol: 'remote-write', status: String(status) },
        (performance.now() - started) / 1000,
      );
    }
  });
}
