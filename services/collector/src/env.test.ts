import { EnvError } from '@rollout-guard/shared/config';
import { describe, expect, it } from 'vitest';
import { loadEnv } from './env.ts';

describe('collector loadEnv', () => {
  it('defaults to loopback on the OTLP/HTTP port', () => {
    expect(loadEnv({})).toMatchObject({
      HOST: '127.0.0.1',
      PORT: 4318,
      REDIS_URL: 'redis://127.0.0.1:6379',
      LOG_LEVEL: 'info',
      SERVICE_NAME: 'rollout-guard-collector',
      INGEST_MAX_BODY_BYTES: 8 * 1024 * 1024,
      INGEST_MAX_DECOMPRESSED_BYTES: 64 * 1024 * 1024,
      API_MAX_BODY_BYTES: 1024 * 1024,
      REDIS_COMMAND_TIMEOUT_MS: 2000,
      READINESS_TIMEOUT_MS: 1000,
      ROLLOUT_METRICS_MAX_ROLLOUTS: 1000,
      ROLLOUT_METRICS_TIMEOUT_MS: 2000,
      SHUTDOWN_TIMEOUT_MS: 3000,
    });
  });

  it('reads what the operator set', () => {
    const env = loadEnv({
      HOST: '0.0.0.0',
      PORT: '8080',
      REDIS_URL: 'redis+cluster://n1:7000,n2:7000',
      INGEST_MAX_BODY_BYTES: '1048576',
    });
    expect(env).toMatchObject({
      HOST: '0.0.0.0',
      PORT: 8080,
      REDIS_URL: 'redis+cluster://n1:7000,n2:7000',
      INGEST_MAX_BODY_BYTES: 1048576,
    });
  });

  it('reads the replica wait, the egress policy and the retention shared with the evaluator', () => {
    expect(loadEnv({})).toMatchObject({
      INGEST_WAIT_REPLICAS: 0,
      INGEST_WAIT_TIMEOUT_MS: 1000,
      EGRESS_ALLOW_LOOPBACK: 'false',
      EGRESS_ALLOW_LINK_LOCAL: 'false',
      EGRESS_ALLOW_PRIVATE: 'true',
      EGRESS_ALLOWLIST: [],
      AUDIT_LOG_RETENTION: '365d',
    });
    expect(loadEnv({ INGEST_WAIT_REPLICAS: '2', EGRESS_ALLOW_PRIVATE: 'false' })).toMatchObject({
      INGEST_WAIT_REPLICAS: 2,
      EGRESS_ALLOW_PRIVATE: 'false',
    });
    expect(() => loadEnv({ INGEST_WAIT_REPLICAS: 'one', AUDIT_LOG_RETENTION: '1h' })).toThrow(
      [
        "The collector's environment has 2 problems:",
        '  INGEST_WAIT_REPLICAS: "one" is not a number of replicas; expected 0 (off), 1, 2…',
        '  AUDIT_LOG_RETENTION: "1h" is not a retention of at least a day; expected a duration like "365d"',
      ].join('\n'),
    );
  });

  it('ignores variables it does not know', () => {
    expect(loadEnv({ PATH: '/usr/bin', HOME: '/root' })).not.toHaveProperty('PATH');
  });

  it('names every bad variable and never parses at import time', () => {
    let error: unknown;
    try {
      loadEnv({
        PORT: 'four',
        REDIS_URL: 'mysql://db',
        READINESS_TIMEOUT_MS: '0',
        INGEST_SERIES_IDLE_MS: '300',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EnvError);
    expect((error as EnvError).problems.map((problem) => problem.variable)).toEqual([
      'PORT',
      'REDIS_URL',
      'INGEST_SERIES_IDLE_MS',
      'READINESS_TIMEOUT_MS',
    ]);
    expect((error as Error).message).toMatch(
      /^The collector's environment has 4 problems:\n {2}PORT: "four"/,
    );
    expect((error as Error).message).toContain(
      'INGEST_SERIES_IDLE_MS: 300 ms is under 10000 (10 s); it is in milliseconds (300000: 5 minutes)',
    );
  });
});
