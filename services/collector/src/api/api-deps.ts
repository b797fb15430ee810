import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Logger } from '@rollout-guard/shared/observability';
import type { RedisClient } from '@rollout-guard/shared/redis';
import type { DeliveryLog, RolloutStore } from '@rollout-guard/shared/store';
import type { RateLimiter } from '../auth/rate-limit.ts';
import type { TokenStore } from '../auth/token-store.ts';
import type { ApiJobs } from './api-jobs.ts';

/** What the API routes need; the collector's server builds the real ones, tests build theirs on a real Redis. */
export interface ApiDeps {
  redis: RedisClient;
  store: RolloutStore;
  deliveries: DeliveryLog;
  tokens: TokenStore;
  limiter: RateLimiter;
  /** Every route describes itself here; `/api/v1/openapi.json` is generated from it. */
  openapi: OpenAPIRegistry;
  jobs: ApiJobs;
  logger: Logger;
  /** Largest spec body in bytes (API_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /** `/metrics/rollouts`: active rollouts exposed at most, and how long a scrape may read (default 1000, 2 s). */
  rolloutMetrics?: { maxRollouts: number; timeoutMs: number };
  now: () => number;
}
