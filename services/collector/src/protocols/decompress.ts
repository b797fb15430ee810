import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import { DecodeError } from './decode-error.ts';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

export type ContentEncoding = 'identity' | 'gzip' | 'deflate';

/** Reads a `Content-Encoding` header; undefined means the route should answer 415. */
export function parseContentEncoding(header: string | undefined | null): ContentEncoding | undefined {
  const value = (header ?? '').trim().toLowerCase();
  if (value === '' || value === 'identity') return 'identity';
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  if (value === 'deflate') return 'deflate';
  return undefined;
}

function isTooLarge(error: unknown): boolean {
  return error instanceof RangeError || (error as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE';
}

/**
 * Decompresses a request body, failing as soon as the output passes `maxBytes`: zlib stops
 * inflating at the cap, so a gzip bomb costs at most `maxBytes` of memory, never its full size.
 * Throws DecodeError (`tooLarge` → 413) for a body over the cap or a corrupt stream (400).
 */
export async function decompress(
  body: Uint8Array,
  encoding: ContentEncoding,
  maxBytes: number,
): Promise<Uint8Array> {
  if (encoding === 'identity') {
    if (body.byteLength > maxBytes) {
      throw new DecodeError(`body is ${body.byteLength} bytes; the limit is ${maxBytes}`, { tooLarge: true });
    }
    return body;
  }
  try {
    const run = encoding === 'gzip' ? gunzipAsync : inflateAsync;
    return await run(body, { maxOutputLength: maxBytes });
  } catch (error) {
    if (isTooLarge(error)) {
      throw new DecodeError(`body decompresses to more than ${maxBytes} bytes, the limit`, {
        tooLarge: true,
        cause: error,
      });
    }
    const detail = error instanceof Error ? error.message : String(error);
    throw new DecodeError(`body is not valid ${encoding} data: ${detail}`, { cause: error });
  }
}
