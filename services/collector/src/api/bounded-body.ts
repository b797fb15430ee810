import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors.ts';

export interface BodyBounds {
  /** API_MAX_BODY_BYTES: past it, 413, and the read stops there. */
  readonly maxBytes: number;
  /** API_BODY_TIMEOUT_MS: the whole body must have arrived by then, or 408. */
  readonly timeoutMs: number;
}

/**
 * Reads an API request's body whole before the route sees it, bounded in size and in time. A body over
 * the size limit is refused as soon as it passes it (by its Content-Length, or as it arrives when chunked),
 * so it is never buffered; a client trickling its body a byte at a time (a slow-loris body) is answered 408
 * when the time is up, instead of holding a request, its buffer and a connection as long as it likes.
 */
export function boundedBody(bounds: BodyBounds): MiddlewareHandler {
  const tooLarge = () =>
    new AppError({
      code: 'PAYLOAD_TOO_LARGE',
      message: `The body is over ${bounds.maxBytes} bytes (API_MAX_BODY_BYTES); a rollout spec is far smaller`,
    });
  return async function readBoundedBody(c, next) {
    const stream = c.req.raw.body;
    if (stream === null) return next();
    if (Number(c.req.header('content-length') ?? 0) > bounds.maxBytes) throw tooLarge();
    const reader = stream.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(
          new AppError({
            code: 'REQUEST_TIMEOUT',
            message: `The body was not received within ${bounds.timeoutMs} ms (API_BODY_TIMEOUT_MS); ${total} bytes arrived. Send the whole body at once`,
          }),
        );
      }, bounds.timeoutMs);
    });
    try {
      for (;;) {
        const { done, value } = await Promise.race([reader.read(), deadline]);
        if (done) break;
        total += value.byteLength;
        if (total > bounds.maxBytes) throw tooLarge();
        chunks.push(value);
      }
    } catch (error) {
      // Not awaited: a source that never ends may never acknowledge the cancel either.
      reader.cancel().catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
    c.req.raw = new Request(c.req.raw, { body: Buffer.concat(chunks, total) });
    return next();
  };
}
