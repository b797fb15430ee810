import { createEgress, defaultEgressPolicy, parseAllowlist } from '@rollout-guard/shared/egress';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { nextDelay } from './backoff.ts';
import { buildStandard } from './formats/standard.ts';
import type { DeliveryRequest } from './request.ts';
import { secretResolver } from './secret.ts';
import { send } from './send.ts';
import { rollbackEvent } from './test-events.ts';
import { startReceiver, type TestReceiver } from './test-receiver.ts';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
// The receivers listen on loopback, which the policy refuses unless told otherwise.
const egress = createEgress({ ...defaultEgressPolicy, allowLoopback: true });
afterAll(() => egress.close());
const receivers: TestReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
async function receiver(...args: Parameters<typeof startReceiver>) {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

function standardRequest(url: string, now = new Date()): DeliveryRequest {
  const built = buildStandard(
    rollbackEvent,
    { format: 'standard', url, secret: { value: secret }, headers: {} },
    {
      resolveSecret: secretResolver({}),
      now,
      path: 'actions.rollback[0]',
    },
  );
  if ('skipped' in built || 'exchange' in built) throw new Error('standard is one plain request');
  return built;
}

describe('send', () => {
  it('retries a receiver that fails five times, on the backoff schedule, until it succeeds; every attempt verifies', async () => {
    const r = await receiver((_req, res, i) => {
      res.statusCode = i < 5 ? 503 : 204;
      res.end();
    });
    // The schedule's delays are applied to an injected clock instead of being slept through.
    const firstAttemptAt = Date.now();
    let clock = firstAttemptAt;
    const outcomes: string[] = [];
    const delays: number[] = [];
    for (let attempt = 1; ; attempt++) {
      const result = await send(standardRequest(`${r.url}/hooks/rollback`, new Date(clock)), {
        timeoutMs: 2_000,
        egress,
      });
      outcomes.push(result.outcome);
      if (result.outcome !== 'retry') break;
      const delay = nextDelay(attempt, firstAttemptAt, clock, result.retryAfterMs, () => 0.5);
      if (delay === 'give-up') throw new Error('gave up too early');
      delays.push(delay);
      clock += delay;
    }
    expect(outcomes).toEqual(['retry', 'retry', 'retry', 'retry', 'retry', 'delivered']);
    expect(delays).toEqual([750, 1_500, 3_000, 6_000, 12_000]);
    expect(r.requests).toHaveLength(6);
    expect(new Set(r.requests.map((q) => q.headers['webhook-id']))).toEqual(
      new Set([rollbackEvent.data.decisionId]),
    );
    const timestamps = r.requests.map((q) => Number(q.headers['webhook-timestamp']));
    expect(timestamps).toEqual([...timestamps].sort((a, b) => a - b));
    for (const q of r.requests) {
      expect(new Webhook(secret).verify(q.body, q.headers)).toEqual(rollbackEvent);
    }
  });

  it('stops at 410 Gone', async () => {
    const r = await receiver((_req, res) => {
      res.statusCode = 410;
      res.end('unsubscribed');
    });
    const result = await send(standardRequest(r.url), { timeoutMs: 2_000, egress });
    expect(result).toMatchObject({ outcome: 'stopped', status: 410, responseExcerpt: 'unsubscribed' });
    expect(result.error).toMatch(/410/);
  });

  it('gives a receiver that hangs past the timeout a retry, after about the timeout', async () => {
    const r = await receiver(() => {
      // never answers
    });
    const result = await send(standardRequest(r.url), { timeoutMs: 300, egress });
    expect(result.outcome).toBe('retry');
    expect(result.status).toBeUndefined();
    expect(result.error).toBe('no answer within 300 ms');
    expect(result.latencyMs).toBeGreaterThanOrEqual(290);
    expect(result.latencyMs).toBeLessThan(3_000);
  });

  it('times out a receiver that sends headers and then stalls in the body', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    const result = await send(standardRequest(r.url), { timeoutMs: 300, egress });
    expect(result).toMatchObject({ outcome: 'retry', status: 200, error: 'no answer within 300 ms' });
  });

  it('does not follow a redirect to another host', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(307, { location: `http://localhost:${r.port}/elsewhere` });
      res.end();
    });
    const result = await send(standardRequest(`${r.url}/hook`), { timeoutMs: 2_000, egress });
    expect(result.outcome).toBe('stopped');
    expect(result.error).toContain('redirected to another origin (http://localhost:');
    expect(r.requests.map((q) => q.path)).toEqual(['/hook']);
  });

  it('does not follow a redirect to another port of the same host', async () => {
    const other = await receiver();
    const r = await receiver((_req, res) => {
      res.writeHead(308, { location: `${other.url}/hook` });
      res.end();
    });
    const result = await send(standardRequest(`${r.url}/hook`), { timeoutMs: 2_000, egress });
    expect(result.outcome).toBe('stopped');
    expect(other.requests).toHaveLength(0);
  });

  it('follows a redirect within the same origin with the same method, headers and body', async () => {
    const r = await receiver((req, res) => {
      if (req.path === '/old') {
        res.writeHead(301, { location: '/new' });
        res.end();
      } else res.end('moved fine');
    });
    const request = standardRequest(`${r.url}/old`);
    const result = await send(request, { timeoutMs: 2_000, egress });
    expect(result).toMatchObject({ outcome: 'delivered', status: 200, responseExcerpt: 'moved fine' });
    expect(r.requests.map((q) => [q.method, q.path])).toEqual([
      ['POST', '/old'],
      ['POST', '/new'],
    ]);
    expect(r.requests[1]!.body).toBe(request.body);
    expect(r.requests[1]!.headers['webhook-signature']).toBe(request.headers['webhook-signature']);
  });

  it('stops after too many redirects within one origin', async () => {
    const r = await receiver((req, res) => {
      res.writeHead(302, { location: `${req.path}x` });
      res.end();
    });
    const result = await send(standardRequest(`${r.url}/a`), { timeoutMs: 2_000, egress, maxRedirects: 2 });
    expect(result).toMatchObject({
      outcome: 'stopped',
      error: `more than 2 redirects within ${r.url}`,
    });
    expect(r.requests).toHaveLength(3);
  });

  // The HTTP-date is made when the request arrives: a date fixed when the file loads goes stale on
  // a busy machine before the test runs.
  it.each([
    ['delay-seconds', () => '120', 120_000],
    ['HTTP-date', () => new Date(Date.now() + 60_000).toUTCString(), 60_000],
  ])('honours Retry-After as %s on a 429', async (_form, header, expected) => {
    const r = await receiver((_req, res) => {
      res.writeHead(429, { 'retry-after': header() });
      res.end('slow down');
    });
    const result = await send(standardRequest(r.url), { timeoutMs: 2_000, egress });
    expect(result.outcome).toBe('retry');
    expect(result.status).toBe(429);
    expect(result.retryAfterMs).toBeGreaterThan(expected - 2_000);
    expect(result.retryAfterMs).toBeLessThanOrEqual(expected);
  });

  it.each([400, 401, 404, 500, 502])('retries an answer of %i', async (status) => {
    const r = await receiver((_req, res) => {
      res.statusCode = status;
      res.end();
    });
    expect(await send(standardRequest(r.url), { timeoutMs: 2_000, egress })).toMatchObject({
      outcome: 'retry',
      status,
    });
  });

  it('keeps the first 500 bytes of the answer', async () => {
    const r = await receiver((_req, res) => {
      res.statusCode = 500;
      res.end('e'.repeat(600_000));
    });
    const result = await send(standardRequest(r.url), { timeoutMs: 2_000, egress });
    expect(result.responseExcerpt).toBe('e'.repeat(500));
  });

  it('retries when nothing listens, naming the network error', async () => {
    const r = await receiver();
    const url = r.url;
    await r.close();
    const result = await send(standardRequest(url), { timeoutMs: 2_000, egress });
    expect(result.outcome).toBe('retry');
    expect(result.error).toMatch(/^network error: ECONNREFUSED/);
  });

  it.each([
    [
      'loopback by default',
      {},
      /127\.0\.0\.1 is a loopback address, refused by the egress policy; set EGRESS_ALLOW_LOOPBACK=true/,
    ],
    [
      'outside the allowlist',
      { allowLoopback: true, allowlist: '*.example.com,10.0.0.0/8' },
      /127\.0\.0\.1 is not in EGRESS_ALLOWLIST/,
    ],
    ['inside the allowlist', { allowLoopback: true, allowlist: '*.example.com,127.0.0.1' }, undefined],
  ] as const)('checks the egress policy before sending: %s', async (_case, changes, refusal) => {
    const r = await receiver();
    const { allowlist, ...flags } = changes as { allowLoopback?: boolean; allowlist?: string };
    const policed = createEgress({
      ...defaultEgressPolicy,
      ...flags,
      allowlist: parseAllowlist(allowlist ?? ''),
    });
    const result = await send(standardRequest(r.url), { timeoutMs: 2_000, egress: policed }).finally(() =>
      policed.close(),
    );
    expect(result.outcome).toBe(refusal === undefined ? 'delivered' : 'stopped');
    expect(r.requests).toHaveLength(refusal === undefined ? 1 : 0);
    if (refusal !== undefined) expect(result.error).toMatch(refusal);
  });

  it('keeps credentials out of the excerpt and the error even when the receiver echoes them', async () => {
    const token = 'tok-very-secret-unleash-admin-token';
    const r = await receiver((req, res) => {
      res.statusCode = 500;
      // padding puts the token across the 500-byte cut
      res.end(`${'.'.repeat(490)}${req.headers.authorization} ${req.headers.authorization}`);
    });
    const request: DeliveryRequest = {
      method: 'POST',
      url: `${r.url}/api/admin/projects/default/features/f/environments/production/off`,
      headers: { authorization: token },
      body: null,
      redact: [token],
    };
    const result = await send(request, { timeoutMs: 2_000, egress });
    expect(JSON.stringify(result)).not.toContain(token);
    expect(JSON.stringify(result)).not.toContain(token.slice(0, 10));
    expect(result.responseExcerpt).toBe(`${'.'.repeat(490)}[redacted]`);
  });
});
