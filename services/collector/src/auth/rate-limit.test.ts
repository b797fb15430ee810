import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { startApiApp } from '../api/api-test-kit.ts';
import { createRateLimiter } from './rate-limit.ts';

describe('the rate limiter', () => {
  it('allows the burst, then one request per refill, per caller', () => {
    let now = 0;
    const limiter = createRateLimiter({ perSecond: 2, burst: 3, now: () => now });
    expect([1, 2, 3, 4].map(() => limiter.take('a').ok)).toEqual([true, true, true, false]);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.take('b').ok).toBe(true);
    now = 500;
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
    now = 10_000;
    expect([1, 2, 3, 4].map(() => limiter.take('a').ok)).toEqual([true, true, true, false]);
  });

  it('says when to come back for slow rates', () => {
    const limiter = createRateLimiter({ perSecond: 0.1, burst: 1, now: () => 0 });
    limiter.take('a');
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 10 });
  });

  describe('on the API', () => {
    let redis: TestRedis | undefined;
    afterAll(async () => {
      await redis?.stop();
    });

    it('answers 429 with Retry-After once a token spent its bucket, other tokens unaffected', async () => {
      redis = await startRedis({ appendonly: false });
      const api = await startApiApp(redis.url, { rate: { perSecond: 1, burst: 2 } });
      try {
        expect((await api.call('GET', '/api/v1/rollouts', { token: 'reader' })).status).toBe(200);
        expect((await api.call('GET', '/api/v1/rollouts', { token: 'reader' })).status).toBe(200);
        const limited = await api.call('GET', '/api/v1/rollouts', { token: 'reader' });
        expect(limited.status).toBe(429);
        expect(limited.headers.get('retry-after')).toBe('1');
        expect(await limited.json()).toMatchObject({
          code: 'TOO_MANY_REQUESTS',
          message: expect.stringContaining('"reader"'),
        });
        expect((await api.call('GET', '/api/v1/rollouts', { token: 'admin' })).status).toBe(200);
      } finally {
        await api.close();
      }
    });
  });
});
