import { Agent, request as httpRequest } from 'node:http';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { startHttpServer } from './serve.ts';

function get(port: number, path: string, agent?: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, ...(agent ? { agent } : {}) }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const app = new Hono()
  .get('/fast', (c) => c.text('fast'))
  .get('/slow', async (c) => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return c.text('slow');
  });

describe('startHttpServer', () => {
  it('reports the port it bound when asked for port 0', async () => {
    const server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
    try {
      expect(server.port).toBeGreaterThan(0);
      expect(await get(server.port, '/fast')).toEqual({ status: 200, body: 'fast' });
    } finally {
      await server.close(1000);
    }
  });

  it('rejects when the port is taken', async () => {
    const first = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
    try {
      await expect(startHttpServer(app, { host: '127.0.0.1', port: first.port })).rejects.toThrow(
        /EADDRINUSE/,
      );
    } finally {
      await first.close(1000);
    }
  });

  it('lets an in-flight request finish, and is not held open by an idle keep-alive connection', async () => {
    const server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
    const agent = new Agent({ keepAlive: true });
    await get(server.port, '/fast', agent);
    const inFlight = get(server.port, '/slow');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await server.close(2000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await inFlight).toEqual({ status: 200, body: 'slow' });
    await expect(get(server.port, '/fast', new Agent())).rejects.toThrow(/ECONNREFUSED/);
    agent.destroy();
  });

  it('cuts requests still running after the grace period', async () => {
    const server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
    const inFlight = get(server.port, '/slow');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await server.close(50);
    expect(Date.now() - started).toBeLessThan(250);
    await expect(inFlight).rejects.toThrow(/socket hang up|ECONNRESET/);
  });
});
