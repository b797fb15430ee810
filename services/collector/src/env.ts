import {
  egressEnv,
  host,
  logLevel,
  parseEnv,
  port,
  positiveInteger,
  redisUrl,
  retentionEnv,
} from '@rollout-guard/shared/config';
import { DEFAULT_SPEC_SHAPE_LIMITS, specEnvAllowed } from '@rollout-guard/shared/spec';
import { z } from 'zod';
import { DEFAULT_SERIES_IDLE_MS, MIN_SERIES_IDLE_MS } from './ingest/ingest-runtime.ts';
import { DEFAULT_MAX_POINTS_PER_CALL } from './ingest/limits.ts';
import { DEFAULT_SERIES_IDS } from './ingest/series-id.ts';
import { DEFAULT_MAX_HEAP_MB } from './spec-workers/spec-workers.ts';

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
  /**
   * Bytes of ingest bodies, as read and once decompressed, held at once across every request in flight;
   * past it senders are asked to retry (429/503), and a body that alone needs more is refused (413).
   * Decoding OTLP/JSON takes about 4.5 bytes of heap per decompressed byte: 32 MiB stays well inside
   * the collector's 192 MiB old space (scripts/service-node-flags.ts).
   */
  INGEST_DECODE_BUDGET_BYTES: positiveInteger(32 * MiB, 'bytes'),
  /** How long reading one ingest body may take before the request is answered 408. */
  INGEST_BODY_TIMEOUT_MS: positiveInteger(10_000, 'milliseconds'),
  /**
   * Replicas that must confirm a batch (Redis `WAIT`) before ingest answers 2xx; 0: none, the default for speed.
   * Without it, a batch acknowledged in the last moments before a master fails can be lost with it.
   */
  INGEST_WAIT_REPLICAS: z
    .string()
    .default('0')
    .refine((text) => /^\d+$/.test(text), {
      error: (issue) => `"${String(issue.input)}" is not a number of replicas; expected 0 (off), 1, 2…`,
    })
    .transform(Number),
  /** How long ingest waits for those replicas; fewer by then answers 503, and the sender's retry counts once. */
  INGEST_WAIT_TIMEOUT_MS: positiveInteger(1000, 'milliseconds'),
  /**
   * Series ids ingest remembers by series key for points no decoder recognises across requests (OTLP/JSON,
   * scrapes), the least recently used forgotten first: about 110 bytes plus the key's length each
   * (17 MB when full of 9-label series). A forgotten id costs one SHA-1 when its series comes back.
   */
  INGEST_SERIES_ID_CACHE: positiveInteger(DEFAULT_SERIES_IDS, 'series'),
  /**
   * How often ingest forgets the series no request sent since it last did (their label sets, facts and
   * cells of state): a series is forgotten one to two periods after its last point. One sent again costs
   * a decode and a read of its state from Redis; what is stored is the same.
   */
  INGEST_SERIES_IDLE_MS: positiveInteger(DEFAULT_SERIES_IDLE_MS, 'milliseconds').refine(
    (ms) => ms >= MIN_SERIES_IDLE_MS,
    {
      // Shorter forgets series between their senders' points: every batch would read its states again.
      error: (issue) =>
        `${String(issue.input)} ms is under ${MIN_SERIES_IDLE_MS} (10 s); it is in milliseconds (${DEFAULT_SERIES_IDLE_MS}: 5 minutes)`,
    },
  ),
  /**
   * Points one ingest script call carries, about: a rollout's part of a larger request is stored in
   * several calls, at most two in flight, so Redis interleaves other senders' calls and none nears the
   * command timeout (ingest README, "Storing a rollout's part").
   */
  INGEST_CALL_MAX_POINTS: positiveInteger(DEFAULT_MAX_POINTS_PER_CALL, 'points'),
  /** Largest API body (a rollout spec), in bytes. */
  API_MAX_BODY_BYTES: positiveInteger(1 * MiB, 'bytes'),
  /** How long reading one API body (a spec, an action's reason) may take before the request is answered 408. */
  API_BODY_TIMEOUT_MS: positiveInteger(10_000, 'milliseconds'),
  /**
   * The variables `env:NAME` in a spec may read, comma-separated: names, and prefixes ending in `*`
   * (`ROLLBACK_SECRET,UNLEASH_TOKEN,RG_SECRET_*`). Empty: none. A spec reading another is refused.
   */
  SPEC_ENV_ALLOWED: specEnvAllowed,
  /** Keys and list items a spec may hold, all levels counted; a rollout spec has a few hundred. Parsing stays linear below it. */
  SPEC_MAX_KEYS: positiveInteger(DEFAULT_SPEC_SHAPE_LIMITS.maxKeys, 'keys'),
  /** Levels of nesting a spec may have; a rollout spec needs about 7. Deeper texts are refused before parsing. */
  SPEC_MAX_DEPTH: positiveInteger(DEFAULT_SPEC_SHAPE_LIMITS.maxDepth, 'levels'),
  /**
   * Worker threads that parse and validate specs, and diff spec versions, of 8 KB and more (smaller ones are
   * handled inline), so that a spec of API_MAX_BODY_BYTES does not hold up ingest, the API and `/readyz`.
   */
  SPEC_PARSE_THREADS: positiveInteger(1, 'threads'),
  /** Large specs (parses and diffs) that may wait for a thread; past it the request is answered 503 with Retry-After. */
  SPEC_PARSE_QUEUE: positiveInteger(4, 'specs'),
  /** How long one parse or diff may run on its thread; past it the thread is ended: a parse is answered 413, a diff omits its patch. */
  SPEC_PARSE_TIMEOUT_MS: positiveInteger(5000, 'milliseconds'),
  /**
   * A spec thread's old-space heap, in MB; a parse or diff that needs more has its thread ended (a parse is
   * answered 413, a diff omits its patch). The largest spec accepted needs under 24 MB, loading included.
   */
  SPEC_PARSE_MAX_HEAP_MB: positiveInteger(DEFAULT_MAX_HEAP_MB, 'MB'),
  /** Lines two spec versions may differ in for `…/diff` to include a text patch; beyond, it lists field changes only. */
  DIFF_MAX_CHANGED_LINES: positiveInteger(2000, 'lines'),
  /** How long computing one text patch may take before it is given up (the field changes are still listed). */
  DIFF_TIMEOUT_MS: positiveInteger(1000, 'milliseconds'),
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
  /**
   * `/metrics/rollouts` exposes at most this many active rollouts (by name), so a scrape stays bounded in
   * series and in Redis reads; past it `rollout_guard_rollout_metrics_truncated` is 1.
   */
  ROLLOUT_METRICS_MAX_ROLLOUTS: positiveInteger(1000, 'rollouts'),
  /** How long one scrape of `/metrics/rollouts` may read Redis before it answers 503. */
  ROLLOUT_METRICS_TIMEOUT_MS: positiveInteger(2000, 'milliseconds'),
  ...egressEnv,
  ...retentionEnv,
  /** On SIGTERM, how long in-flight requests may finish before their connections are cut. */
  SHUTDOWN_TIMEOUT_MS: positiveInteger(3000, 'milliseconds'),
});

export type CollectorEnv = z.output<typeof CollectorEnv>;

export function loadEnv(source: Record<string, string | undefined> = process.env): CollectorEnv {
  return parseEnv('collector', CollectorEnv, source);
}
