import type { Logger } from '@rollout-guard/shared/observability';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';

/** Every error code a client of the collector can receive, in the `code` field of the body. */
export const ErrorCode = z.enum([
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'REQUEST_TIMEOUT',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'TOO_MANY_REQUESTS',
  'INTERNAL_SERVER_ERROR',
  'SERVICE_UNAVAILABLE',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
};

/** The body of every error answer (protocol endpoints may wrap it in their own envelope). */
export const ErrorBody = z.object({
  code: ErrorCode,
  message: z.string(),
  requestId: z.string(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export interface AppErrorOptions {
  code: ErrorCode;
  /** What was wrong, where, and what would be right: the reader is an operator. */
  message: string;
  /** For 429/503: senders (OTel exporters, Prometheus) wait this long before retrying. */
  retryAfterSeconds?: number;
  cause?: unknown;
}

/** The one error type route code throws; `handleError` turns it into a response. */
export class AppError extends HTTPException {
  readonly code: ErrorCode;
  readonly retryAfterSeconds: number | undefined;

  constructor(options: AppErrorOptions) {
    super(STATUS[options.code], { message: options.message, cause: options.cause });
    this.name = 'AppError';
    this.code = options.code;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function statusOf(code: ErrorCode): ContentfulStatusCode {
  return STATUS[code];
}

function codeOf(status: number): ErrorCode {
  const found = (Object.entries(STATUS) as Array<[ErrorCode, number]>).find(([, s]) => s === status);
  return found?.[0] ?? (status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST');
}

/** `app.onError`: every error answer has `{ code, message, requestId }`, unexpected ones are logged. */
export function handleError(logger: Logger) {
  return function onError(error: Error, c: Context): Response {
    const requestId: string = c.get('requestId') ?? 'unknown';
    if (error instanceof AppError) {
      if (error.retryAfterSeconds !== undefined) c.header('Retry-After', String(error.retryAfterSeconds));
      if (error.status >= 500) logger.warn({ requestId, code: error.code, err: error }, error.message);
      return c.json(
        { code: error.code, message: error.message, requestId } satisfies ErrorBody,
        error.status,
      );
    }
    if (error instanceof HTTPException) {
      // Raised by Hono itself or its middleware (body limit, malformed JSON).
      const status = error.status as ContentfulStatusCode;
      return c.json({ code: codeOf(status), message: error.message, requestId } satisfies ErrorBody, status);
    }
    logger.error({ requestId, err: error, method: c.req.method, path: c.req.path }, 'unhandled error');
    return c.json(
      {
        code: 'INTERNAL_SERVER_ERROR',
        message: `Something went wrong inside the collector; it is logged with requestId ${requestId}`,
        requestId,
      } satisfies ErrorBody,
      500,
    );
  };
}

/** `app.notFound`: unknown paths answer in the same shape as every other error. */
export function handleNotFound(c: Context): Response {
  const requestId: string = c.get('requestId') ?? 'unknown';
  return c.json(
    {
      code: 'NOT_FOUND',
      message: `No route for ${c.req.method} ${c.req.path}; see the README for the collector's endpoints`,
      requestId,
    } satisfies ErrorBody,
    404,
  );
}
