import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors.ts';

export interface RateLimitOptions {
  /** Requests per second a caller may sustain. */
  readonly perSecond: number;
  /** Requests a caller may make at once after being idle. */
  readonly burst: number;
  readonly now?: () => number;
}

export type Take = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

export interface RateLimiter {
  take(key: string): Take;
}

interface Bucket {
  tokens: number;
  at: number;
}

const MAX_KEYS = 10_000;

/**
 * A token bucket per caller, in this process's memory: behind a load balancer each collector replica
 * allows the full rate, so the effective limit is the rate times the replicas. Good enough to stop a
 * runaway script; not a quota.
 */
export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const buckets = new Map<string, Bucket>();
  return {
    take(key) {
      const at = now();
      const bucket = buckets.get(key) ?? { tokens: options.burst, at };
      bucket.tokens = Math.min(options.burst, bucket.tokens + ((at - bucket.at) / 1000) * options.perSecond);
      bucket.at = at;
      if (!buckets.has(key)) {
        // Forget the oldest caller rather than grow without bound; it starts again with a full bucket.
        if (buckets.size >= MAX_KEYS) buckets.delete(buckets.keys().next().value as string);
        buckets.set(key, bucket);
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { ok: true };
      }
      return {
        ok: false,
        retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / options.perSecond)),
      };
    },
  };
}

/** 429 with Retry-After once the caller (its token's name) has spent its bucket. Runs after authentication. */
export function rateLimit(limiter: RateLimiter): MiddlewareHandler {
  return async function rateLimited(c, next) {
    const key = c.get('principal')?.name ?? 'anonymous';
    const taken = limiter.take(key);
    if (!taken.ok) {
      throw new AppError({
        code: 'TOO_MANY_REQUESTS',
        message: `Token "${key}" sent more API requests than allowed (API_RATE_LIMIT_PER_SECOND, API_RATE_LIMIT_BURST); retry after ${taken.retryAfterSeconds} s`,
        retryAfterSeconds: taken.retryAfterSeconds,
      });
    }
    await next();
  };
}
