import { host, logLevel, parseEnv, port, positiveInteger, redisUrl } from '@rollout-guard/shared/config';
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
  /** How long `/readyz` waits for Redis to answer PING before it reports not ready. */
  READINESS_TIMEOUT_MS: positiveInteger(1000, 'milliseconds'),
  /** On SIGTERM, how long in-flight requests may finish before their connections are cut. */
  SHUTDOWN_TIMEOUT_MS: positiveInteger(3000, 'milliseconds'),
});

export type CollectorEnv = z.output<typeof CollectorEnv>;

export function loadEnv(source: Record<string, string | undefined> = process.env): CollectorEnv {
  return parseEnv('collector', CollectorEnv, source);
}
