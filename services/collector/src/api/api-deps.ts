import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Logger } from '@rollout-guard/shared/observability';
import type { RedisClient } from '@rollout-guard/shared/redis';
import type { DeliveryLog, RolloutStore } from '@rollout-guard/shared/store';
import type { RateLimiter } from '../auth/rate-limit.ts';
import type { TokenStore } from '../auth/token-store.ts';
import type { SpecWorkers } from '../spec-workers/spec-workers.ts';
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
  /** How long reading an API body may take before the request is answered 408 (API_BODY_TIMEOUT_MS). */
  bodyTimeoutMs: number;
  /**
   * Parses spec bodies under SPEC_MAX_KEYS, SPEC_MAX_DEPTH and SPEC_ENV_ALLOWED, large ones in worker threads
   * (SPEC_PARSE_THREADS, SPEC_PARSE_QUEUE, SPEC_PARSE_TIMEOUT_MS).
   */
  specWorkers: SpecWorkers;
  /** How large a text patch between two versions may be (DIFF_MAX_CHANGED_LINES, DIFF_TIMEOUT_MS). */
  diffLimits: { readonly maxChangedLines: number; readonly timeoutMs: number };
  /** `/metrics/rollouts`: active rollouts exposed at most, and how long a scrape may read (default 1000, 2 s). */
  rolloutMetrics?: { maxRollouts: number; timeoutMs: number };
  now: () => number;
  /** How long a deleted rollout's audit log is kept (AUDIT_LOG_RETENTION; default 365 days). */
  auditRetentionMs?: number;
}
