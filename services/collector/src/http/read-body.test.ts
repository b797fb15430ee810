import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type BodyBounds, readBoundedBody } from './read-body.ts';

const bounds: BodyBounds = {
  maxBytes: 10,
  timeoutMs: 100,
  tooLarge: (bytes) => new Error(`too large: ${bytes}`),
  timedOut: (received) => new Error(`timed out: ${received} bytes arrived`),
};

const bytes = (text: string) => new TextEncoder().encode(text);

/** A body sent as `parts`, then ended, or left open as a slow-loris client leaves it; says when it was cancelled. */
function body(parts: string[], options: { open?: boolean } = {}) {
  const seen = { cancelled: false };
  const pending = [...parts];
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = pending.shift();
      if (next !== undefined) controller.enqueue(bytes(next));
      else if (options.open) await new Promise(() => {});
      else controller.close();
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { stream, seen };
}

function post(stream: ReadableStream<Uint8Array> | null, headers: Record<string, string> = {}): Request {
  return new Request('http://collector.test/', {
    method: 'POST',
    headers,
    body: stream,
    duplex: 'half',
  } as RequestInit);
}

describe('readBoundedBody', () => {
  it('reads a body in chunks whole, showing each chunk to the hook', async () => {
    const { stream } = body(['abc', 'de', 'fgh']);
    const chunks: string[] = [];
    const read = await readBoundedBody(post(stream), bounds, (chunk) => {
      chunks.push(new TextDecoder().decode(chunk));
    });
    expect(new TextDecoder().decode(read)).toBe('abcdefgh');
    expect(chunks).toEqual(['abc', 'de', 'fgh']);
  });

  it('reads a body of exactly the limit, and nothing from a request without one', async () => {
    expect((await readBoundedBody(post(body(['12345', '67890']).stream), bounds)).byteLength).toBe(10);
    expect(await readBoundedBody(new Request('http://collector.test/'), bounds)).toEqual(new Uint8Array(0));
  });

  it('refuses a declared length over the limit before reading a byte', async () => {
    const request = post(body(['abc']).stream, { 'content-length': '11' });
    await expect(readBoundedBody(request, bounds)).rejects.toThrow('too large: 11');
    expect(request.bodyUsed).toBe(false);
  });

  it('refuses a chunked body as soon as it passes the limit, though it never ends, and cancels it', async () => {
    const { stream, seen } = body(['123456', '789012', 'more'], { open: true });
    const chunks: Uint8Array[] = [];
    await expect(readBoundedBody(post(stream), bounds, (chunk) => chunks.push(chunk))).rejects.toThrow(
      'too large: 12',
    );
    expect(chunks).toHaveLength(1);
    expect(seen.cancelled).toBe(true);
  });

  it('refuses a body that stops coming once the time is up, saying how much arrived, and cancels it', async () => {
    const { stream, seen } = body(['abc'], { open: true });
    await expect(readBoundedBody(post(stream), bounds)).rejects.toThrow('timed out: 3 bytes arrived');
    expect(seen.cancelled).toBe(true);
  });

  it('stops with what the hook throws, and cancels the body', async () => {
    const { stream, seen } = body(['abc', 'def']);
    const refuse = () => {
      throw new Error('over budget');
    };
    await expect(readBoundedBody(post(stream), bounds, refuse)).rejects.toThrow('over budget');
    expect(seen.cancelled).toBe(true);
  });
});

describe('readBoundedBody from the Node request itself', () => {
  /**
   * A real server reading each request's body from its IncomingMessage, and a client sending `parts` a
   * few milliseconds apart (then ending, or leaving the body open); resolves with what the server read.
   */
  async function sent(parts: string[], options: { open?: boolean } = {}): Promise<string> {
    let answer!: (outcome: string) => void;
    const outcome = new Promise<string>((resolve) => {
      answer = resolve;
    });
    const server = createServer((incoming: IncomingMessage, response) => {
      const request = new Request('http://collector.test/', { method: 'POST' });
      readBoundedBody(request, bounds, undefined, incoming).then(
        (read) => answer(`read: ${new TextDecoder().decode(read)}`),
        (error: Error) => answer(error.message),
      );
      outcome.finally(() => response.end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = httpRequest({ port, method: 'POST', headers: { 'transfer-encoding': 'chunked' } });
    client.on('error', () => undefined);
    try {
      for (const part of parts) {
        client.write(part);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      if (!options.open) client.end();
      return await outcome;
    } finally {
      client.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it('reads a chunked body whole', async () => {
    expect(await sent(['abc', 'de', 'fgh'])).toBe('read: abcdefgh');
  });

  it('refuses a chunked body once it passes the limit, though it never ends', async () => {
    expect(await sent(['123456', '7890', 'x'], { open: true })).toBe('too large: 11');
  });

  it('refuses a body that stops coming once the time is up', async () => {
    expect(await sent(['abc'], { open: true })).toBe('timed out: 3 bytes arrived');
  });
});
