import { createLogger } from '@rollout-guard/shared/observability';
import { createRedis, globalKeys, type RedisClient, waitUntilReady } from '@rollout-guard/shared/redis';
import { type HttpServer, startHttpServer } from '@rollout-guard/shared/runtime';
import type { ActiveRollout } from '@rollout-guard/shared/store';
import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type App, createApp } from '../app.ts';
import { loadEnv } from '../env.ts';
import { type ActiveRollouts, watchActiveRollouts } from './active-rollouts.ts';
import { DecodeBudget } from './decode-budget.ts';
import type { IngestDeps } from './ingest-request.ts';
import { IngestRuntime } from './ingest-runtime.ts';
import { DEFAULT_LIMITS } from './limits.ts';
import { registerOtlpMetrics } from './otlp-metrics.ts';
import { registerRemoteWrite } from './remote-write.ts';

/** What a storage suite works with; filled in by `useIngestRedis`'s `beforeAll`. */
export interface IngestRedis {
  server: TestRedis;
  redis: RedisClient;
}

/**
 * A private redis-server and a producer connection (as the collector's routes have) for the suite,
 * stopped after it; every test starts from an empty Redis.
 */
export function useIngestRedis(): IngestRedis {
  const suite = {} as IngestRedis;
  beforeAll(async () => {
    suite.server = await startRedis();
    suite.redis = createRedis(suite.server.url, { role: 'producer' });
    // A producer connection refuses commands until it is ready rather than queueing them.
    await waitUntilReady(suite.redis);
  });
  afterAll(async () => {
    suite.redis.disconnect();
    await suite.server.stop();
  });
  beforeEach(() => suite.server.flushAll());
  return suite;
}

/** A rollout in its first wave, as the rollout store would list it in `rg:active`. */
export function activeRollout(overrides: Partial<ActiveRollout> = {}): ActiveRollout {
  return {
    name: 'copilot',
    specVersion: 1,
    flag: 'copilot-assist',
    match: {},
    cohorts: { attribute: 'feature_flag.result.variant', treatment: 'on', control: 'off' },
    metrics: [],
    phase: 'wave',
    waveIndex: 1,
    waveEpoch: 1,
    waveStartedAt: Date.now() - 3600_000,
    ...overrides,
  };
}

export interface IngestApp {
  app: App;
  deps: IngestDeps;
  metrics: Registry;
  /** Rollouts the app was told were stored, in order. */
  stored: string[];
  /** Serves the app on a free loopback port. */
  listen(): Promise<HttpServer>;
  close(): Promise<void>;
}

/**
 * The collector app with the ingest routes on a real Redis, the given rollouts written to
 * `rg:active` as the rollout store writes them. Several may share one Redis (collector replicas).
 */
export async function startIngestApp(
  redisUrl: string,
  rollouts: readonly ActiveRollout[],
  overrides: Partial<IngestDeps> = {},
): Promise<IngestApp> {
  const logger = createLogger({ service: 'collector-test', level: 'silent' });
  const redis: RedisClient = createRedis(redisUrl, { role: 'producer', commandTimeoutMs: 1000 });
  await waitUntilReady(redis);
  if (rollouts.length > 0) {
    await redis.hset(globalKeys.active, Object.fromEntries(rollouts.map((r) => [r.name, JSON.stringify(r)])));
  }
  const activeRollouts: ActiveRollouts = watchActiveRollouts({ redis, logger, pollMs: 500 });
  await activeRollouts.refresh();
  const metrics = new Registry();
  const env = loadEnv({ REDIS_URL: redisUrl });
  const app = createApp({ env, logger, redis, metrics, isShuttingDown: () => false });
  const stored: string[] = [];
  const deps: IngestDeps = {
    redis,
    logger,
    metrics,
    activeRollouts,
    limits: DEFAULT_LIMITS,
    // Each app is a freshly started collector: it remembers nothing of another's requests.
    runtime: new IngestRuntime(),
    decodeBudget: new DecodeBudget(DEFAULT_LIMITS.decodeBudgetBytes),
    onStored: (names) => stored.push(...names),
    ...overrides,
  };
  registerOtlpMetrics(app, deps);
  registerRemoteWrite(app, deps);
  const servers: HttpServer[] = [];
  return {
    app,
    deps,
    metrics,
    stored,
    async listen() {
      const server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
      servers.push(server);
      return server;
    },
    async close() {
      await Promise.all(servers.map((s) => s.close(100)));
      await activeRollouts.close();
      redis.disconnect();
    },
  };
}
