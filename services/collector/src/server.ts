import { readFileSync } from 'node:fs';
import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { egressPolicyFromEnv, retentionPolicyFromEnv } from '@rollout-guard/shared/config';
import { createEgress } from '@rollout-guard/shared/egress';
import { createLogger, createMetricsRegistry } from '@rollout-guard/shared/observability';
import { closeRedis, createRedis, redact } from '@rollout-guard/shared/redis';
import { type HttpServer, type RunningService, startHttpServer } from '@rollout-guard/shared/runtime';
import { parseEnvAllowlist } from '@rollout-guard/shared/spec';
import { createDeliveryLog, createRolloutStore } from '@rollout-guard/shared/store';
import { createApiJobs } from './api/api-jobs.ts';
import { registerApi } from './api/register-api.ts';
import { createApp } from './app.ts';
import { bindDecision, isLoopback } from './auth/bind-policy.ts';
import { loadTokens } from './auth/load-tokens.ts';
import { createRateLimiter } from './auth/rate-limit.ts';
import type { CollectorEnv } from './env.ts';
import { watchActiveRollouts } from './ingest/active-rollouts.ts';
import { DecodeBudget } from './ingest/decode-budget.ts';
import { IngestRuntime } from './ingest/ingest-runtime.ts';
import { limitsFromEnv } from './ingest/limits.ts';
import { evaluateOnStored } from './ingest/notify-evaluator.ts';
import { registerOtlpMetrics } from './ingest/otlp-metrics.ts';
import { registerRemoteWrite } from './ingest/remote-write.ts';
import { loadScrapeConfig } from './scrape/scrape-config.ts';
import { startScraping } from './scrape/start-scraping.ts';
import { createSpecWorkers } from './spec-workers/spec-workers.ts';

/** Readiness flips to 503 first, then the HTTP server drains, then Redis closes. */
export interface RunningCollector extends RunningService {
  http: HttpServer;
}

const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/** Builds every dependency from the environment and starts listening. */
export async function startCollector(env: CollectorEnv): Promise<RunningCollector> {
  const logger = createLogger({ service: env.SERVICE_NAME, level: env.LOG_LEVEL });
  // Tokens and the address are checked before anything connects: a refused start leaves nothing behind.
  const tokens = loadTokens(env);
  const bind = bindDecision(env.HOST, tokens.size, env.ALLOW_OPEN === 'true');
  if (!bind.ok) throw new Error(bind.message);
  const scrapeTargets = loadScrapeConfig(env.SCRAPE_CONFIG);
  const redis = createRedis(env.REDIS_URL, {
    role: 'producer',
    name: 'collector',
    commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    logger,
  });
  const metrics = createMetricsRegistry({ service: env.SERVICE_NAME, version: VERSION });
  let shuttingDown = false;
  const app = createApp({
    env,
    logger,
    redis,
    metrics,
    isShuttingDown: () => shuttingDown,
    // Open (no tokens): only loopback Host names unless ALLOW_OPEN serves others on purpose.
    ...(bind.open && { openMode: { loopbackHostOnly: isLoopback(env.HOST) } }),
  });

  const jobs = createApiJobs(redis);
  const activeRollouts = watchActiveRollouts({ redis, logger });
  const limits = limitsFromEnv(env);
  const verifyToken = tokens.size === 0 ? undefined : (token: string) => tokens.verify(token)?.scopes ?? null;
  const onStored = evaluateOnStored(jobs.evaluateQueue, logger);
  const ingest = {
    redis,
    logger,
    metrics,
    activeRollouts,
    limits,
    runtime: new IngestRuntime({
      maxSeriesIds: env.INGEST_SERIES_ID_CACHE,
      idleMs: env.INGEST_SERIES_IDLE_MS,
    }),
    decodeBudget: new DecodeBudget(limits.decodeBudgetBytes),
    onStored,
    ...(verifyToken === undefined ? {} : { verifyToken }),
  };
  registerOtlpMetrics(app, ingest);
  registerRemoteWrite(app, ingest);
  const specWorkers = createSpecWorkers({
    threads: env.SPEC_PARSE_THREADS,
    queue: env.SPEC_PARSE_QUEUE,
    timeoutMs: env.SPEC_PARSE_TIMEOUT_MS,
    maxHeapMb: env.SPEC_PARSE_MAX_HEAP_MB,
    onThreadFailure: (error) => logger.error({ err: error }, 'a spec parsing thread failed'),
    limits: { maxKeys: env.SPEC_MAX_KEYS, maxDepth: env.SPEC_MAX_DEPTH },
    envAllowed: parseEnvAllowlist(env.SPEC_ENV_ALLOWED),
  });
  registerApi(app, {
    redis,
    store: createRolloutStore(redis),
    deliveries: createDeliveryLog(redis),
    tokens,
    limiter: createRateLimiter({ perSecond: env.API_RATE_LIMIT_PER_SECOND, burst: env.API_RATE_LIMIT_BURST }),
    openapi: new OpenAPIRegistry(),
    jobs,
    logger,
    maxBodyBytes: env.API_MAX_BODY_BYTES,
    bodyTimeoutMs: env.API_BODY_TIMEOUT_MS,
    specWorkers,
    diffLimits: { maxChangedLines: env.DIFF_MAX_CHANGED_LINES, timeoutMs: env.DIFF_TIMEOUT_MS },
    rolloutMetrics: {
      maxRollouts: env.ROLLOUT_METRICS_MAX_ROLLOUTS,
      timeoutMs: env.ROLLOUT_METRICS_TIMEOUT_MS,
    },
    now: Date.now,
    auditRetentionMs: retentionPolicyFromEnv(env).auditMs,
  });

  const egress = createEgress(egressPolicyFromEnv(env));
  const scraper = startScraping({
    egress,
    redis,
    logger,
    metrics,
    activeRollouts,
    onStored: ingest.onStored,
    limits,
    runtime: ingest.runtime,
    configured: scrapeTargets,
    file: env.SCRAPE_CONFIG,
    specEnvAllowed: parseEnvAllowlist(env.SPEC_ENV_ALLOWED),
  });
  const http = await startHttpServer(app, { host: env.HOST, port: env.PORT });
  // Listening is not ready: until Redis answers, /readyz is 503 and ingest answers 503. Say which it is.
  const redisReady = redis.status === 'ready';
  logger.info(
    { host: http.host, port: http.port, redis: redact(env.REDIS_URL), redisReady, version: VERSION },
    'collector listening',
  );
  if (!redisReady) {
    logger.info({}, 'waiting for Redis: /readyz answers 503 until it is reachable');
    redis.once('ready', () =>
      logger.info({ redis: redact(env.REDIS_URL) }, 'Redis reached: collector ready'),
    );
  }
  if (bind.open) logger.warn({ host: http.host }, bind.note);
  else logger.info({ tokens: tokens.size }, bind.note);

  return {
    http,
    logger,
    markShuttingDown: () => {
      shuttingDown = true;
    },
    shutdownSteps: () => [
      { name: 'scraper', run: () => scraper.stop() },
      { name: 'outbound connections', run: () => egress.close() },
      { name: 'http server', run: () => http.close(env.SHUTDOWN_TIMEOUT_MS) },
      { name: 'spec parsing threads', run: () => specWorkers.close() },
      { name: 'active rollouts', run: () => activeRollouts.close() },
      { name: 'evaluations being enqueued', run: () => onStored.settled() },
      { name: 'queues', run: () => jobs.close() },
      { name: 'redis', run: () => closeRedis(redis) },
    ],
  };
}
