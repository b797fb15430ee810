import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DecodeBudget } from './decode-budget.ts';
import { activeRollout, type IngestApp, startIngestApp } from './ingest-test-kit.ts';
import { DEFAULT_LIMITS } from './limits.ts';

let server: TestRedis;
let kit: IngestApp | undefined;

beforeAll(async () => {
  server = await startRedis();
});
afterEach(async () => {
  await kit?.close();
  kit = undefined;
});
afterAll(async () => {
  await server.stop();
});

const MiB = 1024 * 1024;
const rollouts = [activeRollout({ metrics: ['queue_depth'] })];
const small = JSON.stringify({ resourceMetrics: [] });

function post(app: IngestApp, body: string | Uint8Array, headers: Record<string, string> = {}) {
  return app.app.request('/v1/metrics', {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

describe('ingest bounded in memory and time', () => {
  it('asks a sender to retry while other requests hold the decode budget, and takes it once freed', async () => {
    const decodeBudget = new DecodeBudget(4 * MiB);
    kit = await startIngestApp(server.url, rollouts, { decodeBudget });
    const other = decodeBudget.lease();
    other.require(4 * MiB - 10);
    const busy = await post(kit, small);
    expect(busy.status).toBe(429);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(((await busy.json()) as { message: string }).message).toContain('INGEST_DECODE_BUDGET_BYTES');
    other.close();
    expect((await post(kit, small)).status).toBe(200);
    expect(decodeBudget.freeBytes).toBe(4 * MiB);
  });

  it('refuses with 413 a body that inflates past the whole budget, whatever the per-request limit', async () => {
    const decodeBudget = new DecodeBudget(1 * MiB);
    kit = await startIngestApp(server.url, rollouts, { decodeBudget });
    const bomb = gzipSync(Buffer.alloc(8 * MiB, 0x20));
    const res = await post(kit, bomb, { 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { message: string }).message).toContain('INGEST_DECODE_BUDGET_BYTES');
    expect(decodeBudget.freeBytes).toBe(1 * MiB);
  });

  it('answers 400 for a JSON body nested past the limit', async () => {
    kit = await startIngestApp(server.url, rollouts);
    const deep = `{"resourceMetrics":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const res = await post(kit, deep);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain('nests deeper than 64 levels');
  });

  it('answers 408 to a body that does not arrive within the deadline, and gives its bytes back', async () => {
    const decodeBudget = new DecodeBudget(DEFAULT_LIMITS.decodeBudgetBytes);
    kit = await startIngestApp(server.url, rollouts, {
      decodeBudget,
      limits: { ...DEFAULT_LIMITS, bodyReadMs: 300 },
    });
    const http = await kit.listen();
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: http.port,
          path: '/v1/metrics',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': '1000' },
        },
        (res) => {
          let body = '';
          res.on('data', (chunk) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      // Part of the body, then nothing: the rest never comes.
      req.write('{"resourceMetrics":');
    });
    expect(answer.status).toBe(408);
    expect(answer.body).toContain('INGEST_BODY_TIMEOUT_MS');
    expect(decodeBudget.freeBytes).toBe(DEFAULT_LIMITS.decodeBudgetBytes);
  });
});
