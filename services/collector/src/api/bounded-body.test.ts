import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiTestApp, type Loose, specYaml, startApiApp, TOKENS } from './api-test-kit.ts';

let redis: TestRedis;
let api: ApiTestApp;

beforeAll(async () => {
  redis = await startRedis({ appendonly: false });
  api = await startApiApp(redis.url, { bodyTimeoutMs: 300 });
});
afterAll(async () => {
  await api?.close();
  await redis?.stop();
});

/** A body that sends its first bytes and then nothing more, as a slow-loris client does. */
function trickle(first: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(first));
    },
  });
}

describe('API bodies are bounded in time (API_BODY_TIMEOUT_MS) and size (API_MAX_BODY_BYTES)', () => {
  it.each([
    ['POST', '/api/v1/validate'],
    ['PUT', '/api/v1/rollouts/slow'],
    ['POST', '/api/v1/rollouts/slow/pause'],
  ])('%s %s answers 408 to a body that stops coming', async (method, path) => {
    const res = await api.app.request(path, {
      method,
      headers: { authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/yaml' },
      body: trickle('apiVersion: rollout-guard/v1\n'),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(408);
    const body = (await res.json()) as Loose;
    expect(body).toMatchObject({ code: 'REQUEST_TIMEOUT', requestId: expect.any(String) });
    expect(body.message).toContain('API_BODY_TIMEOUT_MS');
    expect(body.message).toContain('29 bytes arrived');
  });

  it('answers 413 to a chunked body as soon as it passes API_MAX_BODY_BYTES, whether or not it would end', async () => {
    const res = await api.app.request('/api/v1/validate', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.reader}`, 'content-type': 'application/yaml' },
      // No Content-Length: 70 KiB sent (over the kit's 64 KiB), and then the stream stays open.
      body: trickle(`# ${'a'.repeat(70 * 1024)}`),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as Loose).message).toContain('API_MAX_BODY_BYTES');
  });

  it('a body sent whole in time reaches the route as sent', async () => {
    const res = await api.app.request('/api/v1/validate', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.reader}`, 'content-type': 'application/yaml' },
      body: specYaml('on-time'),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Loose).valid).toBe(true);
  });
});
