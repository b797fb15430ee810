import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

export interface HttpServer {
  /** The port actually bound (differs from the requested one when that was 0). */
  port: number;
  host: string;
  /**
   * Stops accepting connections, lets in-flight requests finish for up to `graceMs`, then cuts
   * whatever is still open. Idle keep-alive connections are closed at once: they would otherwise
   * hold the process for the client's keep-alive timeout.
   */
  close(graceMs: number): Promise<void>;
}

/** Any Hono app, whatever its Env type: only its fetch handler is served. */
type Fetchable = { fetch: Parameters<typeof serve>[0]['fetch'] };

/** Serves a Hono app on `@hono/node-server` and resolves once it listens. */
export function startHttpServer(
  app: Fetchable,
  options: { host: string; port: number },
): Promise<HttpServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: options.host, port: options.port }) as Server;
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      resolve({ port, host: options.host, close: (graceMs) => closeServer(server, graceMs) });
    });
  });
}

async function closeServer(server: Server, graceMs: number): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // A keep-alive connection whose request finishes during the grace period turns idle then, and
  // Node does not close it by itself: sweep until the server is closed or the grace is over.
  const sweep = setInterval(() => server.closeIdleConnections(), 25);
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
  });
  await Promise.race([closed, grace]);
  clearInterval(sweep);
  clearTimeout(timer);
  server.closeAllConnections();
  await closed;
}
