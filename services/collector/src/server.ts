import { readFileSync } from 'node:fs';
import { createLogger, createMetricsRegistry } from '@rollout-guard/shared/observability';
import { closeRedis, createRedis, redact } from '@rollout-guard/shared/redis';
import { type HttpServer, type RunningService, startHttpServer } from '@rollout-guard/shared/runtime';
import { createApp } from './app.ts';
import type { CollectorEnv } from './env.ts';

/** Readiness flips to 503 first, then the HTTP server drains, then Redis closes. */
export interface RunningCollector extends RunningService {
  http: HttpServer;
}

const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/** Builds every dependency from the environment and starts listening. */
export async function startCollector(env: CollectorEnv): Promise<RunningCollector> {
  const logger = createLogger({ service: env.SERVICE_NAME, level: env.LOG_LEVEL });
  const redis = createRedis(env.REDIS_URL, {
    role: 'producer',
    name: 'collector',
    commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    logger,
  });
  const metrics = createMetricsRegistry({ service: env.SERVICE_NAME, version: VERSION });
  let shuttingDown = false;
  const app = createApp({ env, logger, redis, metrics, isShuttingDown: () => shuttingDown });

  const http = await startHttpServer(app, { host: env.HOST, port: env.PORT });
  logger.info(
    { host: http.host, port: http.port, redis: redact(env.REDIS_URL), version: VERSION },
    'collector listening',
  );

  return {
    http,
    logger,
    markShuttingDown: () => {
      shuttingDown = true;
    },
    shutdownSteps: () => [
      { name: 'http server', run: () => http.close(env.SHUTDOWN_TIMEOUT_MS) },
      { name: 'redis', run: () => closeRedis(redis) },
    ],
  };
}
