import {
  egressEnv,
  host,
  logLevel,
  parseEnv,
  port,
  positiveInteger,
  redisUrl,
} from '@rollout-guard/shared/config';
import { z } from 'zod';

const MiB = 1024 * 1024;

/** The collector's configuration: every variable it reads, with its default and why. */
export const CollectorEnv = z.object({
  /** Interface to listen on. Loopback by default: with no API tokens configured, nothing outside may reach it. */
  HOST: host,
  /** HTTP port for ingest, the API, the dashboard and health. 4318 is OTLP/HTTP's standard port. */
  PORT: port(4318),
  /** Redis 7: `redis://`, `rediss://`, `redis+sentinel://…/master` or `redis+cluster://` (see README). */
  REDIS_URL: redisUrl,
  /** fatal, error, warn, info, debug, trace or silent. */
  LOG_LEVEL: logLevel,
  /** Written on every log line and as the `service` label of `rollout_guard_build_info`. */
  SERVICE_NAME: z.string().default('rollout-guard-collector'),
  /** Largest ingest body as sent (compressed), in bytes; larger ones get 413. Senders batch below this. */
  INGEST_MAX_BODY_BYTES: positiveInteger(8 * MiB, 'bytes'),
  /** Largest ingest body once gunzipped or snappy-decoded, in bytes: a bound against decompression bombs. */
  INGEST_MAX_DECOMPRESSED_BYTES: positiveInteger(64 * MiB, 'bytes'),
  /** Largest API body (a rollout spec), in bytes. */
  API_MAX_BODY_BYTES: positiveInteger(1 * MiB, 'bytes'),
  /** How long one Redis command may take on a request path before the request fails with 503. */
  REDIS_COMMAND_TIMEOUT_MS: positiveInteger(2000, 'milliseconds'),
  /** A YAML/JSON file `scrape: [{ url, interval?, timeout?, headers?, format? }]` of endpoints scraped whatever rollouts are active; read at start, a bad one stops it. */
  SCRAPE_CONFIG: z.string().default(''),
  /** How long `/readyz` waits for Redis to answer PING before it reports not ready. */
  READINESS_TIMEOUT_MS: positiveInteger(1000, 'milliseconds'),
  /**
   * API and ingest tokens: comma-separated `name:scope1+scope2:secret` (scopes: ingest, read, operate, admin;
   * secrets of 16+ characters). The name is the actor in the audit log. Unset (and no TOKENS_FILE): open, loopback only.
   */
  ROLLOUT_GUARD_TOKENS: z.string().default(''),
  /** A YAML/JSON file `tokens: [{ name, scopes: [...], token | sha256 }]`, read at start; adds to ROLLOUT_GUARD_TOKENS. */
  TOKENS_FILE: z.string().default(''),
  /** `true` lets the collector listen on a non-loopback HOST with no tokens configured: anyone may then change rollouts. */
  ALLOW_OPEN: z.enum(['true', 'false'], { error: 'expected true or false' }).default('false'),
  /** API requests per second each token may sustain (token bucket in this process's memory). */
  API_RATE_LIMIT_PER_SECOND: positiveInteger(20, 'requests per second'),
  /** API requests a token may make at once after being idle. */
  API_RATE_LIMIT_BURST: positiveInteger(100, 'requests'),
  ...egressEnv,
  /** On SIGTERM, how long in-flight requests may finish before their connections are cut. */
  SHUTDOWN_TIMEOUT_MS: positiveInteger(3000, 'milliseconds'),
});

export type CollectorEnv = z.output<typeof CollectorEnv>;

export function loadEnv(source: Record<string, string | undefined> = process.env): CollectorEnv {
  return parseEnv('collector', CollectorEnv, source);
}
