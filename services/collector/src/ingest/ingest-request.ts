import { createHash } from 'node:crypto';
import type { Logger } from '@rollout-guard/shared/observability';
import type { RedisClient } from '@rollout-guard/shared/redis';
import type { Context } from 'hono';
import { ReplyError } from 'ioredis';
import type { Registry } from 'prom-client';
import { AppError } from '../errors.ts';
import { incomingOf, readBoundedBody } from '../http/read-body.ts';
import { DecodeError } from '../protocols/decode-error.ts';
import type { DecodedBatch, Rejection } from '../protocols/decoded-batch.ts';
import type { ActiveRollouts } from './active-rollouts.ts';
import { reportCapRefusals } from './cap-refusals.ts';
import { BudgetExceeded, type DecodeBudget, type DecodeLease } from './decode-budget.ts';
import type { VerifyToken } from './ingest-auth.ts';
import { IngestContentionError } from './ingest-call.ts';
import { ingestMetrics, type Protocol, reasonLabel } from './ingest-metrics.ts';
import type { IngestRuntime } from './ingest-runtime.ts';
import type { IngestLimits } from './limits.ts';
import type { Matcher } from './matcher.ts';
import type { OnStored } from './notify-evaluator.ts';
import { ReplicaWaitError } from './replica-wait.ts';
import { storeBatch } from './store-batch.ts';

/** What the ingest routes need; the collector's server builds the real ones, tests build theirs. */
export interface IngestDeps {
  /** A `producer` connection: fails fast while Redis is down, so the routes answer 503 at once. */
  redis: RedisClient;
  logger: Logger;
  metrics: Registry;
  activeRollouts: Pick<ActiveRollouts, 'current'>;
  limits: IngestLimits;
  /** What ingest remembers between requests: one per collector, shared with the scraper. */
  runtime: IngestRuntime;
  /** Bytes of bodies held at once across requests in flight (INGEST_DECODE_BUDGET_BYTES); one per process. */
  decodeBudget: DecodeBudget;
  /** Called once a batch stored new data; `evaluateOnStored` enqueues the evaluations. */
  onStored?: OnStored;
  /** Token check for the `ingest` scope; undefined: no tokens configured, everyone may send. */
  verifyToken?: VerifyToken;
  /** Requests stored at once; beyond it senders are asked to come back (default 128). */
  maxInFlight?: number;
  now?: () => number;
}

/** How long senders wait before retrying while Redis is away or the collector is busy. */
export const RETRY_AFTER_SECONDS = 1;

export interface IngestedBatch {
  /** Decoder rejections and store refusals together: what the sender is told was refused. */
  readonly rejected: Rejection[];
  readonly rejectedCount: number;
}

/**
 * The part both protocols share: admission, the body read under its size limit, decoding, storing
 * and the self-metrics. Resolves only once the batch is stored; throws AppError otherwise.
 */
export async function ingestBatch(
  c: Context,
  deps: IngestDeps,
  protocol: Protocol,
  /**
   * Decodes the body, taking from `lease` what decompressing it holds; `identity` is what the batch
   * digest is taken of (a retry must give the same).
   */
  decode: (
    body: Uint8Array,
    matcher: Matcher,
    lease: DecodeLease,
  ) => Promise<{ batch: DecodedBatch; identity: Uint8Array }>,
): Promise<IngestedBatch> {
  const metrics = ingestMetrics(deps.metrics);
  const runtime = deps.runtime;
  const running = runtime.inFlight;
  if (running >= (deps.maxInFlight ?? 128)) {
    throw new AppError({
      // Prometheus drops a batch answered 429 unless retry_on_http_429 is set: it gets 503, which it retries.
      code: protocol === 'otlp' ? 'TOO_MANY_REQUESTS' : 'SERVICE_UNAVAILABLE',
      message: `The collector is storing ${running} requests already; retry after ${RETRY_AFTER_SECONDS} s`,
      retryAfterSeconds: RETRY_AFTER_SECONDS,
    });
  }
  runtime.inFlight++;
  const lease = deps.decodeBudget.lease();
  try {
    const matcher = deps.activeRollouts.current();
    if (matcher === null) {
      throw new AppError({
        code: 'SERVICE_UNAVAILABLE',
        message: 'The collector has not yet loaded the active rollouts from Redis; retry shortly',
        retryAfterSeconds: RETRY_AFTER_SECONDS,
      });
    }
    let decodedBatch: { batch: DecodedBatch; identity: Uint8Array };
    try {
      const body = await readIngestBody(c, deps.limits, lease);
      decodedBatch = await decode(body, matcher, lease);
    } catch (error) {
      if (error instanceof DecodeError) {
        throw new AppError({
          code: error.tooLarge ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST',
          message: error.message,
        });
      }
      if (error instanceof BudgetExceeded) throw budgetError(error, protocol);
      throw error;
    }
    const { batch, identity } = decodedBatch;
    const received =
      batch.points.length +
      batch.rejectedCount +
      Object.values(batch.dropped).reduce((a, b) => a + (b ?? 0), 0);
    metrics.received.inc({ protocol }, received);
    metrics.batchPoints.observe({ protocol }, received);
    for (const [reason, count] of Object.entries(batch.dropped)) {
      if (count) metrics.dropped.inc({ protocol, reason }, count);
    }
    for (const r of batch.rejected)
      metrics.rejected.inc({ protocol, reason: reasonLabel(r.reason) }, r.count);

    // Nothing below the store holds the decoded points: they can be collected while Redis works.
    const decodeRejected = batch.rejected;
    const decodeRejectedCount = batch.rejectedCount;
    const nowMs = deps.now?.() ?? Date.now();
    const digest = createHash('sha1').update(protocol).update(identity).digest('base64url');
    let outcome: Awaited<ReturnType<typeof storeBatch>>;
    try {
      outcome = await storeBatch(deps.redis, runtime, {
        points: batch.points,
        matcher,
        digest,
        nowMs,
        limits: deps.limits,
      });
    } catch (error) {
      throw storageError(error);
    }
    metrics.redisWriteDuration.observe(outcome.redisMs / 1000);
    for (const [reason, count] of Object.entries(outcome.retries)) {
      if (count > 0) metrics.scriptRetries.inc({ reason }, count);
    }
    metrics.accepted.inc({ protocol }, outcome.stored);
    for (const [reason, count] of Object.entries(outcome.dropped)) {
      if (count) metrics.dropped.inc({ protocol, reason }, count);
    }
    if (outcome.ignored > 0) metrics.dropped.inc({ protocol, reason: 'out-of-order' }, outcome.ignored);
    const refusals = outcome.refused.list();
    for (const r of refusals) metrics.rejected.inc({ protocol, reason: reasonLabel(r.reason) }, r.count);
    reportCapRefusals(outcome.capRefused, {
      metrics: deps.metrics,
      logger: deps.logger,
      warnings: runtime.capWarnings,
      limit: deps.limits.maxActiveSeriesPerRollout,
      nowMs,
    });
    if (outcome.touched.length > 0) deps.onStored?.(outcome.touched, nowMs);
    const rejected = [...decodeRejected, ...refusals];
    return { rejected, rejectedCount: decodeRejectedCount + outcome.refused.total };
  } finally {
    lease.close();
    runtime.inFlight--;
  }
}

function budgetError(error: BudgetExceeded, protocol: Protocol): AppError {
  if (error.kind === 'tooLarge') return new AppError({ code: 'PAYLOAD_TOO_LARGE', message: error.message });
  return new AppError({
    // As for a full house of requests: Prometheus retries a 503, not a 429.
    code: protocol === 'otlp' ? 'TOO_MANY_REQUESTS' : 'SERVICE_UNAVAILABLE',
    message: `${error.message}; retry after ${RETRY_AFTER_SECONDS} s`,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
  });
}

/**
 * Reads the body under INGEST_MAX_REQUEST_BYTES (413) and INGEST_BODY_TIMEOUT_MS (408), each chunk taken
 * from the request's lease as it arrives: a sender trickling a byte a second holds neither memory nor a
 * slot for long, and bodies in flight together never hold more than the decode budget.
 */
function readIngestBody(c: Context, limits: IngestLimits, lease: DecodeLease): Promise<Uint8Array> {
  const { maxRequestBytes: maxBytes, bodyReadMs: timeoutMs } = limits;
  const bounds = {
    maxBytes,
    timeoutMs,
    tooLarge: (bytes: number) =>
      new AppError({
        code: 'PAYLOAD_TOO_LARGE',
        message: `The body is ${bytes} bytes or more, over the limit of ${maxBytes} bytes; send smaller batches`,
      }),
    timedOut: (received: number) =>
      new AppError({
        code: 'REQUEST_TIMEOUT',
        message: `The body was not received within ${timeoutMs} ms (INGEST_BODY_TIMEOUT_MS); ${received} bytes arrived`,
      }),
  };
  return readBoundedBody(c.req.raw, bounds, (chunk) => lease.require(chunk.byteLength), incomingOf(c));
}

// Errors a retry can outlive: Redis away, restarting (LOADING after an AOF restart), failing over or busy.
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|OOM|NOREPLICAS)/;

function storageError(error: unknown): AppError {
  const detail = error instanceof Error ? error.message : String(error);
  // Both leave nothing half-counted: the sender's retry is applied (or confirmed) once.
  if (error instanceof IngestContentionError || error instanceof ReplicaWaitError) {
    return new AppError({
      code: 'SERVICE_UNAVAILABLE',
      message: `The batch is not ${error instanceof ReplicaWaitError ? 'acknowledged' : 'stored'}: ${detail}; retry after ${RETRY_AFTER_SECONDS} s, a retry counts every point once`,
      retryAfterSeconds: RETRY_AFTER_SECONDS,
      cause: error,
    });
  }
  if (error instanceof ReplyError && !TRANSIENT_REPLY.test(detail)) {
    return new AppError({
      code: 'INTERNAL_SERVER_ERROR',
      message: `Storing the batch failed inside Redis: ${detail}`,
      cause: error,
    });
  }
  return new AppError({
    code: 'SERVICE_UNAVAILABLE',
    message: `Redis is not reachable, so the batch is not stored; retry after ${RETRY_AFTER_SECONDS} s, a retry counts every point once (${detail})`,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    cause: error,
  });
}
