import { EnvError } from '@rollout-guard/shared/config';
import { describe, expect, it } from 'vitest';
import { auditLogRetentionMs, deliveryLogRetentionMs, loadEnv, watchdogTimings } from './env.ts';

describe('evaluator loadEnv', () => {
  it('refuses a SPEC_ENV_ALLOWED entry that is neither a name nor a prefix', () => {
    expect(() => loadEnv({ SPEC_ENV_ALLOWED: 'PD_KEY,RG-SECRET' })).toThrow(
      '"RG-SECRET" is neither a variable name nor a prefix ending in *',
    );
  });

  it('defaults to loopback on the exporter port', () => {
    expect(loadEnv({})).toEqual({
      HOST: '127.0.0.1',
      HEALTH_PORT: 9464,
      REDIS_URL: 'redis://127.0.0.1:6379',
      LOG_LEVEL: 'info',
      SERVICE_NAME: 'rollout-guard-evaluator',
      EVALUATOR_CONCURRENCY: 16,
      DELIVERY_CONCURRENCY: 32,
      EVIDENCE_BASE_URL: 'http://127.0.0.1:4318',
      DELIVERY_TIMEOUT_MS: 10_000,
      PROMQL_MAX_RESPONSE_BYTES: 4 * 1024 * 1024,
      BACKTEST_MAX_RESPONSE_BYTES: 32 * 1024 * 1024,
      BACKTEST_MAX_POINTS: 2_000_000,
      EGRESS_ALLOW_LOOPBACK: 'false',
      EGRESS_ALLOW_LINK_LOCAL: 'false',
      EGRESS_ALLOW_PRIVATE: 'true',
      EGRESS_ALLOWLIST: [],
      AUDIT_LOG_RETENTION: '365d',
      DECISION_RETENTION: '90d',
      SPEC_VERSIONS_KEPT: 100,
      SERIES_STATE_RETENTION: '8d',
      TICK_MS: 2000,
      DELIVERY_LOG_RETENTION: '30d',
      SPEC_ENV_ALLOWED: '',
      READINESS_TIMEOUT_MS: 1000,
      WATCHDOG_INTERVAL_MS: 5000,
      WATCHDOG_STUCK_AFTER_MS: 15_000,
      SHUTDOWN_TIMEOUT_MS: 3000,
    });
  });

  it('reads what the operator set', () => {
    expect(
      loadEnv({
        HEALTH_PORT: '9000',
        REDIS_URL: 'redis+sentinel://s1:26379,s2:26379/mymaster',
        EVALUATOR_CONCURRENCY: '64',
        LOG_LEVEL: 'warn',
        EGRESS_ALLOW_LOOPBACK: 'true',
        EGRESS_ALLOWLIST: 'hooks.slack.com, *.internal,,10.0.0.0/8',
        DELIVERY_LOG_RETENTION: '72h',
      }),
    ).toMatchObject({
      DELIVERY_LOG_RETENTION: '72h',
      EGRESS_ALLOW_LOOPBACK: 'true',
      EGRESS_ALLOWLIST: [
        { kind: 'host', host: 'hooks.slack.com' },
        { kind: 'suffix', suffix: '.internal' },
        { kind: 'cidr', text: '10.0.0.0/8' },
      ],
      HEALTH_PORT: 9000,
      REDIS_URL: 'redis+sentinel://s1:26379,s2:26379/mymaster',
      EVALUATOR_CONCURRENCY: 64,
      LOG_LEVEL: 'warn',
    });
  });

  it('reads the audit log retention as a duration of at least a day', () => {
    expect(auditLogRetentionMs(loadEnv({}))).toBe(365 * 86_400_000);
    expect(auditLogRetentionMs(loadEnv({ AUDIT_LOG_RETENTION: '90d' }))).toBe(90 * 86_400_000);
    for (const text of ['365', '12h', '0d']) {
      expect(() => loadEnv({ AUDIT_LOG_RETENTION: text })).toThrow(
        `AUDIT_LOG_RETENTION: "${text}" is not a retention of at least a day`,
      );
    }
  });

  it('reads the delivery log retention as a duration of at least an hour', () => {
    expect(deliveryLogRetentionMs(loadEnv({}))).toBe(30 * 86_400_000);
    expect(deliveryLogRetentionMs(loadEnv({ DELIVERY_LOG_RETENTION: '72h' }))).toBe(72 * 3_600_000);
    for (const text of ['30', '30 days', '10m', '0d']) {
      expect(() => loadEnv({ DELIVERY_LOG_RETENTION: text })).toThrow(
        `DELIVERY_LOG_RETENTION: "${text}" is not a retention of at least an hour`,
      );
    }
  });

  it('refuses to start with the retired DELIVERY_ALLOWED_HOSTS, pointing at EGRESS_ALLOWLIST', () => {
    expect(() => loadEnv({ DELIVERY_ALLOWED_HOSTS: 'hooks.slack.com' })).toThrow(
      'DELIVERY_ALLOWED_HOSTS: replaced by EGRESS_ALLOWLIST',
    );
    expect(() => loadEnv({ DELIVERY_ALLOWED_HOSTS: '' })).not.toThrow();
  });

  it('names every bad egress entry and flag', () => {
    expect(() =>
      loadEnv({ EGRESS_ALLOWLIST: 'ok.example,10.0.0.5:8080', EGRESS_ALLOW_LOOPBACK: 'yes' }),
    ).toThrow(
      [
        "The evaluator's environment has 2 problems:",
        '  EGRESS_ALLOW_LOOPBACK: "yes" is not true or false',
        '  EGRESS_ALLOWLIST: "10.0.0.5:8080" is not a host, "*.suffix", address or CIDR; expected entries like "hooks.slack.com", "*.internal", "10.0.0.5" or "10.0.0.0/8" (ports are not part of an entry)',
      ].join('\n'),
    );
  });

  it("reads the watchdog timings as positive whole milliseconds, today's by default", () => {
    expect(watchdogTimings(loadEnv({}))).toEqual({ watchdogIntervalMs: 5000, watchdogStuckAfterMs: 15_000 });
    expect(
      watchdogTimings(loadEnv({ WATCHDOG_INTERVAL_MS: '1000', WATCHDOG_STUCK_AFTER_MS: '60000' })),
    ).toEqual({
      watchdogIntervalMs: 1000,
      watchdogStuckAfterMs: 60_000,
    });
    for (const text of ['0', '-5000', '5s', '1.5', '1e4', 'soon']) {
      expect(() => loadEnv({ WATCHDOG_INTERVAL_MS: text, WATCHDOG_STUCK_AFTER_MS: text })).toThrow(
        [
          "The evaluator's environment has 2 problems:",
          `  WATCHDOG_INTERVAL_MS: "${text}" is not a positive whole number of milliseconds`,
          `  WATCHDOG_STUCK_AFTER_MS: "${text}" is not a positive whole number of milliseconds`,
        ].join('\n'),
      );
    }
  });

  it('names every bad variable', () => {
    expect(() => loadEnv({ HEALTH_PORT: '99999', EVALUATOR_CONCURRENCY: 'many' })).toThrow(EnvError);
    expect(() => loadEnv({ HEALTH_PORT: '99999', EVALUATOR_CONCURRENCY: 'many' })).toThrow(
      [
        "The evaluator's environment has 2 problems:",
        '  HEALTH_PORT: "99999" is not a port; expected a whole number from 0 to 65535 (0 picks a free one)',
        '  EVALUATOR_CONCURRENCY: "many" is not a positive whole number of jobs',
      ].join('\n'),
    );
  });
});
