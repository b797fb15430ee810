import { EnvError } from '@rollout-guard/shared/config';
import { describe, expect, it } from 'vitest';
import { deliveryLogRetentionMs, loadEnv } from './env.ts';

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
      DELIVERY_ALLOWED_HOSTS: [],
      TICK_MS: 2000,
      DELIVERY_LOG_RETENTION: '30d',
      SPEC_ENV_ALLOWED: '',
      READINESS_TIMEOUT_MS: 1000,
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
        DELIVERY_ALLOWED_HOSTS: 'hooks.slack.com, *.internal,,10.0.0.5:8080',
        DELIVERY_LOG_RETENTION: '72h',
      }),
    ).toMatchObject({
      DELIVERY_LOG_RETENTION: '72h',
      DELIVERY_ALLOWED_HOSTS: ['hooks.slack.com', '*.internal', '10.0.0.5:8080'],
      HEALTH_PORT: 9000,
      REDIS_URL: 'redis+sentinel://s1:26379,s2:26379/mymaster',
      EVALUATOR_CONCURRENCY: 64,
      LOG_LEVEL: 'warn',
    });
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
