import { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/** How a request's body may arrive; each reader of bodies (API, ingest) says it with its own variables. */
export interface BodyBounds {
  /** Past it the read stops with `tooLarge`, so a huge upload is never buffered. */
  readonly maxBytes: number;
  /** The whole body must have arrived by then, or the read stops with `timedOut`. */
  readonly timeoutMs: number;
  /** The error for a body over `maxBytes`: given its declared length, or the bytes received once past it. */
  tooLarge(bytes: number): Error;
  /** The error for a body not received within `timeoutMs`: given the bytes that had arrived. */
  timedOut(received: number): Error;
}

/**
 * Reads a request's body whole, bounded in size and in time. A body over `maxBytes` is refused as soon as
 * it passes it: by its Content-Length before a byte is read, or as it arrives when chunked. A client
 * trickling its body a byte at a time (a slow-loris body) is refused when `timeoutMs` is up, instead of
 * holding a request, its buffer and a connection as long as it likes. `onChunk` sees each chunk once it
 * is counted and before it is kept (the ingest path takes it from its decode budget); what it throws
 * stops the read. A body that came in one chunk is returned as it came, without a copy.
 *
 * Given the Node request underneath (`incomingOf`), the chunks are read from it directly: the web stream
 * over it copies every chunk once more, which the ingest path, reading every sample, notices.
 */
export async function readBoundedBody(
  request: Request,
  bounds: BodyBounds,
  onChunk?: (chunk: Uint8Array) => void,
  incoming?: IncomingMessage,
): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > bounds.maxBytes) throw bounds.tooLarge(declared);
  if (incoming === undefined && request.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const take = (chunk: Uint8Array) => {
    total += chunk.byteLength;
    if (total > bounds.maxBytes) throw bounds.tooLarge(total);
    onChunk?.(chunk);
    chunks.push(chunk);
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(bounds.timedOut(total)), bounds.timeoutMs);
  });
  try {
    if (incoming !== undefined) await readIncoming(incoming, take, deadline);
    else await readStream(request.body, take, deadline);
  } finally {
    clearTimeout(timer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

/** The Node request under a Hono context, when `@hono/node-server` serves it (not under `app.request`). */
export function incomingOf(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  return incoming instanceof IncomingMessage ? incoming : undefined;
}

/**
 * Passes each chunk of a Node request's body to `take` until the body ends, `take` throws or the deadline
 * passes; the rest of a refused body is left to the server, which drains it after answering.
 */
async function readIncoming(
  incoming: IncomingMessage,
  take: (chunk: Uint8Array) => void,
  deadline: Promise<never>,
): Promise<void> {
  let stop = () => {};
  const read = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      try {
        take(chunk);
      } catch (error) {
        stop();
        reject(error);
      }
    };
    stop = () => {
      incoming.off('data', onData);
      incoming.off('end', resolve);
      incoming.off('error', reject);
    };
    incoming.on('data', onData);
    incoming.on('end', resolve);
    incoming.on('error', reject);
  });
  try {
    await Promise.race([read, deadline]);
  } finally {
    stop();
  }
}

/** The same for a web stream's chunks, cancelling the stream when the read stops early. */
async function readStream(
  stream: ReadableStream<Uint8Array> | null,
  take: (chunk: Uint8Array) => void,
  deadline: Promise<never>,
): Promise<void> {
  if (stream === null) return;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), deadline]);
      if (done) return;
      take(value);
    }
  } catch (error) {
    // Not awaited: a source that never ends may never acknowledge the cancel either.
    reader.cancel().catch(() => undefined);
    throw error;
  }
}
