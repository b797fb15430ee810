import type { Logger } from '@rollout-guard/shared/observability';
import type { RedisClient } from '@rollout-guard/shared/redis';
import { healthRoutes } from '@rollout-guard/shared/runtime';
import { Hono } from 'hono';
import { type RequestIdVariables, requestId } from 'hono/request-id';
import type { Registry } from 'prom-client';
import { openModeGuard } from './auth/open-mode.ts';
import type { Principal } from './auth/token-store.ts';
import type { CollectorEnv } from './env.ts';
import { handleError, handleNotFound } from './errors.ts';

/** What the collector's routes need; main.ts builds the real ones, tests build theirs. */
export interface CollectorDeps {
  env: CollectorEnv;
  logger: Logger;
  /** A `producer` connection: fails fast while Redis is down, so ingest answers 503 at once. */
  redis: RedisClient;
  metrics: Registry;
  /** True once SIGTERM arrived; /readyz answers 503 from then on. */
  isShuttingDown: () => boolean;
  /** Set when no tokens are configured: cross-site state changes (and, on loopback, other Host names) get 403. */
  openMode?: { readonly loopbackHostOnly: boolean };
}

export type AppEnv = { Variables: RequestIdVariables & { principal?: Principal } };
export type App = Hono<AppEnv>;

/**
 * The collector's HTTP app. Each feature registers its routes with one `registerXxx(app, deps)`
 * call below — ingest, the API and the dashboard are added that way.
 */
export function createApp(deps: CollectorDeps): App {
  const app: App = new Hono<AppEnv>();
  app.use(requestId());
  app.onError(handleError(deps.logger));
  app.notFound(handleNotFound);
  if (deps.openMode !== undefined) app.use(openModeGuard(deps.openMode));

  app.route(
    '/',
    healthRoutes({
      redis: deps.redis,
      metrics: deps.metrics,
      readinessTimeoutMs: deps.env.READINESS_TIMEOUT_MS,
      isShuttingDown: deps.isShuttingDown,
    }),
  );

  return app;
}
