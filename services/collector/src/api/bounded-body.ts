import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors.ts';
import { readBoundedBody } from '../http/read-body.ts';

export interface BodyLimits {
  /** API_MAX_BODY_BYTES: past it, 413, and the read stops there. */
  readonly maxBytes: number;
  /** API_BODY_TIMEOUT_MS: the whole body must have arrived by then, or 408. */
  readonly timeoutMs: number;
}

/**
 * Reads an API request's body whole before the route sees it, bounded in size (413) and in time (408)
 * by `readBoundedBody`, so a route never waits on a slow-loris body nor buffers a huge one.
 */
export function boundedBody(limits: BodyLimits): MiddlewareHandler {
  const bounds = {
    ...limits,
    tooLarge: () =>
      new AppError({
        code: 'PAYLOAD_TOO_LARGE',
        message: `The body is over ${limits.maxBytes} bytes (API_MAX_BODY_BYTES); a rollout spec is far smaller`,
      }),
    timedOut: (received: number) =>
      new AppError({
        code: 'REQUEST_TIMEOUT',
        message: `The body was not received within ${limits.timeoutMs} ms (API_BODY_TIMEOUT_MS); ${received} bytes arrived. Send the whole body at once`,
      }),
  };
  return async function readApiBody(c, next) {
    if (c.req.raw.body === null) return next();
    const body = await readBoundedBody(c.req.raw, bounds);
    c.req.raw = new Request(c.req.raw, { body });
    return next();
  };
}
