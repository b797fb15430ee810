import {
  EnvError,
  egressEnv,
  host,
  logLevel,
  parseEnv,
  port,
  positiveInteger,
  redisUrl,
  retentionEnv,
} from '@rollout-guard/shared/config';
import { parseDuration, specEnvAllowed } from '@rollout-guard/shared/spec';
import { z } from 'zod';

/** The evaluator's configuration: every variable it reads, with its default and why. */
export const EvaluatorEnv = z.object({
  /** Interface for the health and metrics server. Loopback by default; 0.0.0.0 for Prometheus in a cluster. */
  HOST: host,
  /** Port of `/healthz`, `/readyz` and `/metrics`. 9464 is the usual port for a Prometheus exporter. */
  HEALTH_PORT: port(9464),
  /** Redis 7: `redis://`, `rediss://`, `redis+sentinel://…/master` or `redis+cluster://` (see README). */
  REDIS_URL: redisUrl,
  /** fatal, error, warn, info, debug, trace or silent. */
  LOG_LEVEL: logLevel,
  /** Written on every log line and as the `service` label of `rollout_guard_build_info`. */
  SERVICE_NAME: z.string().default('rollout-guard-evaluator'),
  /** Evaluation jobs one process runs at once; evaluation is Redis-bound, so this is well above the CPU count. */
  EVALUATOR_CONCURRENCY: positiveInteger(16, 'jobs'),
  /** Webhook deliveries one process keeps in flight at once (each mostly waits on the receiver). */
  DELIVERY_CONCURRENCY: positiveInteger(32, 'jobs'),
  /** How long `/readyz` waits for Redis to answer PING before it reports not ready. */
  READINESS_TIMEOUT_MS: positiveInteger(1000, 'milliseconds'),
  /** The collector's public URL: webhooks link to a decision's evidence under it. */
  EVIDENCE_BASE_URL: z
    .url({
      error: 'expected the http(s) URL the collector is reached at, like "https://rollout-guard.internal"',
    })
    .default('http://127.0.0.1:4318'),
  /**
   * The variables `env:NAME` in a spec may read, comma-separated: names, and prefixes ending in `*`
   * (`ROLLBACK_SECRET,UNLEASH_TOKEN,RG_SECRET_*`). Empty: none. Set the same on the collector.
   */
  SPEC_ENV_ALLOWED: specEnvAllowed,
  /** How long one webhook attempt may take (connect, answer, redirects) before it counts as failed and is retried. */
  DELIVERY_TIMEOUT_MS: positiveInteger(10_000, 'milliseconds'),
  /** Largest PromQL answer read, in bytes: a query returning far more than one series per cohort fails instead of filling the heap. */
  PROMQL_MAX_RESPONSE_BYTES: positiveInteger(4 * 1024 * 1024, 'bytes'),
  /** Largest answer a backtest reads from one Prometheus range query, in bytes (10,000 points of a few dozen series fit). */
  BACKTEST_MAX_RESPONSE_BYTES: positiveInteger(32 * 1024 * 1024, 'bytes'),
  /** Points one backtest holds from Prometheus over all its queries (about 16 bytes each): a day at 10 s of a 20-bucket histogram in two cohorts. */
  BACKTEST_MAX_POINTS: positiveInteger(2_000_000, 'points'),
  ...egressEnv,
  ...retentionEnv,
  /** How often every active rollout is evaluated even without new data (time-based transitions, no-data states). */
  TICK_MS: positiveInteger(2000, 'milliseconds'),
  /**
   * How long the webhook delivery log keeps a delivery after it ended (delivered, stopped, gave-up, skipped):
   * `30d` by default, a month of history for post-incident reviews, comfortably past the 24 h retry window,
   * while the log stays bounded (a few KB per delivery). Pending and retrying deliveries are never removed.
   * The evaluator trims on its outbox sweep, since it is the process that writes the log.
   */
  DELIVERY_LOG_RETENTION: z
    .string()
    .default('30d')
    .refine((text) => (parseDuration(text)?.ms ?? 0) >= 3_600_000, {
      error: (issue) =>
        `"${String(issue.input)}" is not a retention of at least an hour; expected a duration like "30d", "72h" or "90d"`,
    }),
  /**
   * How often this evaluator checks, on a timer of its own, that every job scheduler still has a next run
   * and that its workers still take jobs: the longest a failover can leave the tick, the sweep or a PromQL
   * poll unscheduled before it is revived (see README, "Through a Redis failover").
   */
  WATCHDOG_INTERVAL_MS: positiveInteger(5000, 'milliseconds'),
  /**
   * How long the oldest job waiting in a queue may stay the same while this evaluator has room to run it
   * before its worker for the queue counts as stuck and is replaced. A healthy worker takes a job within
   * milliseconds, so this only needs to outlast the pauses of a busy process and of a failover.
   */
  WATCHDOG_STUCK_AFTER_MS: positiveInteger(15_000, 'milliseconds'),
  /** On SIGTERM, how long running jobs may finish before the process stops without them (BullMQ retries them). */
  SHUTDOWN_TIMEOUT_MS: positiveInteger(3000, 'milliseconds'),
});

export type EvaluatorEnv = z.output<typeof EvaluatorEnv>;

/** `DELIVERY_LOG_RETENTION` in milliseconds (the schema has checked it is a duration). */
export function deliveryLogRetentionMs(env: Pick<EvaluatorEnv, 'DELIVERY_LOG_RETENTION'>): number {
  return parseDuration(env.DELIVERY_LOG_RETENTION)?.ms ?? 30 * 86_400_000;
}

/** The watchdog's timings, as `startEvaluatorCore` takes them. */
export function watchdogTimings(
  env: Pick<EvaluatorEnv, 'WATCHDOG_INTERVAL_MS' | 'WATCHDOG_STUCK_AFTER_MS'>,
): { watchdogIntervalMs: number; watchdogStuckAfterMs: number } {
  return { watchdogIntervalMs: env.WATCHDOG_INTERVAL_MS, watchdogStuckAfterMs: env.WATCHDOG_STUCK_AFTER_MS };
}

/** `AUDIT_LOG_RETENTION` in milliseconds (the schema has checked it is a duration). */
export function auditLogRetentionMs(env: Pick<EvaluatorEnv, 'AUDIT_LOG_RETENTION'>): number {
  return parseDuration(env.AUDIT_LOG_RETENTION)?.ms ?? 365 * 86_400_000;
}

export function loadEnv(source: Record<string, string | undefined> = process.env): EvaluatorEnv {
  // The webhooks' allowlist before the egress policy: starting without the restriction its operator
  // asked for would be worse than not starting.
  if ((source.DELIVERY_ALLOWED_HOSTS ?? '') !== '') {
    throw new EnvError('evaluator', [
      {
        variable: 'DELIVERY_ALLOWED_HOSTS',
        message:
          'replaced by EGRESS_ALLOWLIST (hosts, "*.suffix", addresses and CIDRs, for webhooks, PromQL and scrapes alike); move its entries there, without ports',
      },
    ]);
  }
  return parseEnv('evaluator', EvaluatorEnv, source);
}
