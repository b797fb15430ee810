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
 */
export async function readBoundedBody(
  request: Request,
  bounds: BodyBounds,
  onChunk?: (chunk: Uint8Array) => void,
): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > bounds.maxBytes) throw bounds.tooLarge(declared);
  const stream = request.body;
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(bounds.timedOut(total)), bounds.timeoutMs);
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), deadline]);
      if (done) break;
      total += value.byteLength;
      if (total > bounds.maxBytes) throw bounds.tooLarge(total);
      onChunk?.(value);
      chunks.push(value);
    }
  } catch (error) {
    // Not awaited: a source that never ends may never acknowledge the cancel either.
    reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}
