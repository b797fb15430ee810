import { Writable } from 'node:stream';
import { createLogger } from '@rollout-guard/shared/observability';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { type RequestIdVariables, requestId } from 'hono/request-id';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorBody, handleError, handleNotFound } from './errors.ts';

function appWithErrors() {
  const logged: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logged.push(String(chunk));
      done();
    },
  });
  const app = new Hono<{ Variables: RequestIdVariables }>();
  app.use(requestId());
  app.onError(handleError(createLogger({ service: 'collector', destination })));
  app.notFound(handleNotFound);
  app.get('/unavailable', () => {
    throw new AppError({
      code: 'SERVICE_UNAVAILABLE',
      message: 'Redis is unreachable; retry',
      retryAfterSeconds: 2,
    });
  });
  app.get('/bad', () => {
    throw new AppError({ code: 'BAD_REQUEST', message: 'body.resourceMetrics[0]: expected an array' });
  });
  app.get('/hono', () => {
    throw new HTTPException(401, { message: 'missing bearer token' });
  });
  app.get('/bug', () => {
    throw new TypeError("Cannot read properties of undefined (reading 'x')");
  });
  app.post('/limited', bodyLimit({ maxSize: 4 }), (c) => c.text('ok'));
  return { app, logged };
}

describe('handleError', () => {
  it('answers an AppError with its status, code, message, request id and Retry-After', async () => {
    const { app } = appWithErrors();
    const response = await app.request('/unavailable', { headers: { 'X-Request-Id': 'req-123' } });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(response.headers.get('x-request-id')).toBe('req-123');
    expect(await response.json()).toEqual({
      code: 'SERVICE_UNAVAILABLE',
      message: 'Redis is unreachable; retry',
      requestId: 'req-123',
    });
  });

  it('generates a request id when the client sent none', async () => {
    const { app } = appWithErrors();
    const response = await app.request('/bad');
    expect(response.status).toBe(400);
    const body = ErrorBody.parse(await response.json());
    expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('x-request-id')).toBe(body.requestId);
    expect(response.headers.get('retry-after')).toBeNull();
  });

  it("maps Hono's own exceptions to a code", async () => {
    const { app } = appWithErrors();
    const response = await app.request('/hono');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'UNAUTHORIZED', message: 'missing bearer token' });
    const tooLarge = await app.request('/limited', { method: 'POST', body: 'far too long' });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('hides an unexpected error behind a 500 that names the request id, and logs it', async () => {
    const { app, logged } = appWithErrors();
    const response = await app.request('/bug', { headers: { 'X-Request-Id': 'req-9' } });
    expect(response.status).toBe(500);
    const body = await response.json();
    expect(body).toEqual({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Something went wrong inside the collector; it is logged with requestId req-9',
      requestId: 'req-9',
    });
    expect(JSON.stringify(body)).not.toContain('Cannot read');
    expect(logged.join('')).toContain('Cannot read properties of undefined');
    expect(JSON.parse(logged[0]!)).toMatchObject({ level: 'error', requestId: 'req-9', path: '/bug' });
  });

  it('answers unknown paths with a 404 in the same shape', async () => {
    const { app } = appWithErrors();
    const response = await app.request('/nope', { method: 'DELETE' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      code: 'NOT_FOUND',
      message: "No route for DELETE /nope; see the README for the collector's endpoints",
    });
  });
});
