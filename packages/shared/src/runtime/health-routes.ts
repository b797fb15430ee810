import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import type { RedisClient } from '../redis/create-redis.ts';
import { pingRedis } from '../redis/ping.ts';

export interface HealthDeps {
  redis: RedisClient;
  metrics: Registry;
  /** How long /readyz waits for Redis before it says not ready. */
  readinessTimeoutMs: number;
  /** True once SIGTERM arrived: /readyz then answers 503 so load balancers stop sending traffic. */
  isShuttingDown: () => boolean;
}

/**
 * `/healthz`, `/readyz` and `/metrics`, the same in every service. Liveness never looks at Redis:
 * an orchestrator must not restart a healthy process because Redis is away; readiness does.
 */
export function healthRoutes(deps: HealthDeps): Hono {
  const routes = new Hono();

  routes.get('/healthz', (c) => c.json({ status: 'ok' }));

  routes.get('/readyz', async (c) => {
    if (deps.isShuttingDown()) {
      return c.json({ status: 'unavailable', reason: 'shutting down' }, 503);
    }
    const redis = await pingRedis(deps.redis, deps.readinessTimeoutMs);
    if (!redis.ok) {
      c.header('Retry-After', '1');
      return c.json({ status: 'unavailable', reason: redis.reason, checks: { redis } }, 503);
    }
    return c.json({ status: 'ready', checks: { redis: { ok: true, latencyMs: round(redis.latencyMs) } } });
  });

  routes.get('/metrics', async (c) => {
    c.header('Content-Type', deps.metrics.contentType);
    return c.body(await deps.metrics.metrics());
  });

  return routes;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
