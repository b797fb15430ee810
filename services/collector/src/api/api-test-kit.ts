import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { createLogger } from '@rollout-guard/shared/observability';
import { createRedis, type RedisClient, waitUntilReady } from '@rollout-guard/shared/redis';
import { DEFAULT_SPEC_SHAPE_LIMITS, parseEnvAllowlist } from '@rollout-guard/shared/spec';
import { createDeliveryLog, createRolloutStore } from '@rollout-guard/shared/store';
import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { Registry } from 'prom-client';
import { afterAll, beforeAll } from 'vitest';
import { type App, createApp } from '../app.ts';
import { createRateLimiter } from '../auth/rate-limit.ts';
import { parseTokensEnv } from '../auth/token-config.ts';
import { createTokenStore } from '../auth/token-store.ts';
import { loadEnv } from '../env.ts';
import { createSpecWorkers, DEFAULT_MAX_HEAP_MB } from '../spec-workers/spec-workers.ts';
import type { ApiDeps } from './api-deps.ts';
import { createApiJobs } from './api-jobs.ts';
import { registerApi } from './register-api.ts';

/** Response bodies in tests are read loosely; the assertions check their shape. */
// biome-ignore lint/suspicious/noExplicitAny: test bodies only, checked by assertions
export type Loose = any;

/** Tokens of the API tests: one per scope mix, secrets long enough for the token parser. */
export const TOKENS = {
  admin: 'admin-secret-0123456789',
  operator: 'operator-secret-0123456789',
  reader: 'reader-secret-0123456789',
  ingester: 'ingest-secret-0123456789',
} as const;
const TOKENS_ENV = `admin:admin+read+operate:${TOKENS.admin},operator:operate+read:${TOKENS.operator},reader:read:${TOKENS.reader},ingester:ingest:${TOKENS.ingester}`;

export interface ApiTestApp {
  app: App;
  deps: ApiDeps;
  redis: RedisClient;
  /** `app.request` with a bearer token (a key of TOKENS, or none) and a JSON or text body. */
  call(
    method: string,
    path: string,
    options?: { token?: keyof typeof TOKENS | null; body?: string; type?: string; accept?: string },
  ): Promise<Response>;
  close(): Promise<void>;
}

/** The collector app with the API on a real Redis, the four test tokens, and real BullMQ queues. */
export async function startApiApp(
  redisUrl: string,
  options: {
    rate?: { perSecond: number; burst: number };
    now?: () => number;
    /** SPEC_ENV_ALLOWED (default: none). */
    specEnvAllowed?: string;
    /** API_BODY_TIMEOUT_MS (default 10 s). */
    bodyTimeoutMs?: number;
  } = {},
): Promise<ApiTestApp> {
  const logger = createLogger({ service: 'api-test', level: 'silent' });
  const redis: RedisClient = createRedis(redisUrl, { role: 'producer', commandTimeoutMs: 2000 });
  await waitUntilReady(redis);
  const app = createApp({
    env: loadEnv({ REDIS_URL: redisUrl }),
    logger,
    redis,
    metrics: new Registry(),
    isShuttingDown: () => false,
  });
  const jobs = createApiJobs(redis);
  // BullMQ's queues send their first commands on this connection; a test that then keeps the event loop
  // busy past the 2 s command timeout (validating the OpenAPI document) would time them out.
  await jobs.evaluateQueue.waitUntilReady();
  const specWorkers = createSpecWorkers({
    threads: 1,
    queue: 4,
    timeoutMs: 10_000,
    maxHeapMb: DEFAULT_MAX_HEAP_MB,
    limits: DEFAULT_SPEC_SHAPE_LIMITS,
    envAllowed: parseEnvAllowlist(options.specEnvAllowed ?? ''),
  });
  const deps: ApiDeps = {
    redis,
    store: createRolloutStore(redis),
    deliveries: createDeliveryLog(redis),
    tokens: createTokenStore(parseTokensEnv(TOKENS_ENV)),
    limiter: createRateLimiter(options.rate ?? { perSecond: 1000, burst: 1000 }),
    openapi: new OpenAPIRegistry(),
    jobs,
    logger,
    maxBodyBytes: 64 * 1024,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 10_000,
    specWorkers,
    diffLimits: { maxChangedLines: 2000, timeoutMs: 1000 },
    now: options.now ?? Date.now,
  };
  registerApi(app, deps);
  return {
    app,
    deps,
    redis,
    call(method, path, { token = 'admin', body, type, accept } = {}) {
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${TOKENS[token]}`;
      if (type !== undefined) headers['content-type'] = type;
      if (accept !== undefined) headers.accept = accept;
      return Promise.resolve(app.request(path, { method, headers, ...(body === undefined ? {} : { body }) }));
    },
    async close() {
      await specWorkers.close();
      await jobs.close();
      redis.disconnect();
    },
  };
}

/** A valid spec in YAML: one ratio guardrail (errors/requests at most 3%), one criterion, three waves. */
/**
 * For a file of API tests: its own redis-server and API app, started in `beforeAll` and stopped in
 * `afterAll`. Read the returned app's fields in tests and hooks, not at the file's top level.
 */
export function useApiApp(): ApiTestApp {
  let redis: TestRedis | undefined;
  let api: ApiTestApp | undefined;
  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    api = await startApiApp(redis.url);
  });
  afterAll(async () => {
    await api?.close();
    await redis?.stop();
  });
  const started = () => {
    if (api === undefined) throw new Error('the API app starts in beforeAll: use it in a test or hook');
    return api;
  };
  return {
    get app() {
      return started().app;
    },
    get deps() {
      return started().deps;
    },
    get redis() {
      return started().redis;
    },
    call: (...args) => started().call(...args),
    close: () => started().close(),
  };
}

export function specYaml(
  name: string,
  options: { max?: number; bake?: string; cohortAttribute?: string; percents?: number[] } = {},
): string {
  const percents = options.percents ?? [25, 50, 100];
  return `apiVersion: rollout-guard/v1
kind: Rollout
metadata:
  name: ${name}
spec:
  flag: ${name}-flag
  cohorts: { attribute: ${options.cohortAttribute ?? 'feature_flag.result.variant'}, treatment: "on", control: "off" }
  waves:
${percents.map((p) => `    - { percent: ${p}, bake: ${options.bake ?? '1h'}, minSamples: 100 }`).join('\n')}
  guardrails:
    - name: error-rate
      metric: { ratio: { numerator: errors_total, denominator: requests_total } }
      allowed: { max: ${options.max ?? 0.03} }
  successCriteria:
    - { name: latency, metric: latency_seconds, aggregate: mean, allowed: { max: 2 } }
  actions:
    rollback: [{ url: "http://127.0.0.1:9/hooks/rollback" }]
`;
}

/**
 * For a `describe`: a private Redis and the API app on it, started before its tests and stopped after;
 * read `suite.api` inside the tests.
 */
export function useApiSuite(): { api: ApiTestApp; redis: TestRedis } {
  const suite = {} as { api: ApiTestApp; redis: TestRedis };
  beforeAll(async () => {
    suite.redis = await startRedis({ appendonly: false });
    suite.api = await startApiApp(suite.redis.url);
  });
  afterAll(async () => {
    await suite.api.close();
    await suite.redis.stop();
  });
  return suite;
}

/** An evaluation of the `error-rate` guardrail of `specYaml`'s rollouts: its treatment's value over the wave so far. */
export function errorRateEvaluation(
  from: number,
  to: number,
  treatment: { samples: number; value: number; interval: [number, number] },
) {
  return {
    type: 'evaluation' as const,
    measurements: { 'error-rate': { window: { from, to, label: 'wave' as const }, treatment } },
  };
}
