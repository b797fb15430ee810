import { readFileSync } from 'node:fs';
import { egressPolicyFromEnv, retentionPolicyFromEnv } from '@rollout-guard/shared/config';
import { createLogger, createMetricsRegistry } from '@rollout-guard/shared/observability';
import { closeRedis, createRedis, redact } from '@rollout-guard/shared/redis';
import { healthRoutes, type RunningService, startHttpServer } from '@rollout-guard/shared/runtime';
import { parseEnvAllowlist } from '@rollout-guard/shared/spec';
import { Hono } from 'hono';
import { auditLogRetentionMs, deliveryLogRetentionMs, type EvaluatorEnv, watchdogTimings } from './env.ts';
import { startEvaluatorCore } from './evaluator.ts';

/**
 * Shutdown follows BullMQ's order: workers first (they finish or hand back their jobs), then the
 * health server, then Redis last, since everything before it still talks to Redis.
 */
export interface RunningEvaluator extends RunningService {
  port: number;
}

const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/** Builds the evaluator's dependencies from the environment and starts its health server. */
export async function startEvaluator(env: EvaluatorEnv): Promise<RunningEvaluator> {
  const logger = createLogger({ service: env.SERVICE_NAME, level: env.LOG_LEVEL });
  // Readiness and quick reads use a fail-fast connection; BullMQ workers get `role: 'worker'` ones.
  const redis = createRedis(env.REDIS_URL, { role: 'producer', name: 'evaluator', logger });
  const metrics = createMetricsRegistry({ service: env.SERVICE_NAME, version: VERSION });
  let shuttingDown = false;

  const app = new Hono();
  app.route(
    '/',
    healthRoutes({
      redis,
      metrics,
      readinessTimeoutMs: env.READINESS_TIMEOUT_MS,
      isShuttingDown: () => shuttingDown,
    }),
  );
  const core = await startEvaluatorCore({
    redisUrl: env.REDIS_URL,
    registry: metrics,
    log: logger,
    evaluateConcurrency: env.EVALUATOR_CONCURRENCY,
    deliverConcurrency: env.DELIVERY_CONCURRENCY,
    evidenceBaseUrl: env.EVIDENCE_BASE_URL,
    deliveryTimeoutMs: env.DELIVERY_TIMEOUT_MS,
    egressPolicy: egressPolicyFromEnv(env),
    retention: retentionPolicyFromEnv(env),
    promqlMaxResponseBytes: env.PROMQL_MAX_RESPONSE_BYTES,
    backtestLimits: { maxResponseBytes: env.BACKTEST_MAX_RESPONSE_BYTES, maxPoints: env.BACKTEST_MAX_POINTS },
    tickEveryMs: env.TICK_MS,
    ...watchdogTimings(env),
    specEnvAllowed: parseEnvAllowlist(env.SPEC_ENV_ALLOWED),
    deliveryLogRetentionMs: deliveryLogRetentionMs(env),
    auditLogRetentionMs: auditLogRetentionMs(env),
  });
  const http = await startHttpServer(app, { host: env.HOST, port: env.HEALTH_PORT });
  logger.info(
    { host: http.host, port: http.port, redis: redact(env.REDIS_URL), version: VERSION },
    'evaluator health server listening',
  );

  return {
    logger,
    port: http.port,
    markShuttingDown: () => {
      shuttingDown = true;
    },
    shutdownSteps: () => [
      { name: 'workers', run: () => core.close(env.SHUTDOWN_TIMEOUT_MS) },
      { name: 'health server', run: () => http.close(env.SHUTDOWN_TIMEOUT_MS) },
      { name: 'redis', run: () => closeRedis(redis) },
    ],
  };
}
