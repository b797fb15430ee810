import type { Measurement } from '../decision/measurement.ts';
import type { RolloutSpec } from '../spec/resolved.ts';
import { rolloutSpecSchema } from '../spec/schema.ts';
import type { RedisConnection } from './lua-script.ts';

/**
 * Specs and measurements for tests of the store and the evaluator: a rollout with one absolute ratio
 * guardrail (errors / requests at most 3%) and one success criterion, three waves and a target per action.
 */
export function testSpec(
  name: string,
  options: {
    approval?: 'manual' | 'auto';
    receiver?: string;
    bake?: string;
    criteria?: boolean;
    /** Also send alerts to `<receiver>/alert`. */
    alerts?: boolean;
    /** The rollout's owner and runbook, carried by its notifications. */
    oncall?: { owner: string; runbook: string };
  } = {},
): RolloutSpec {
  const receiver = options.receiver ?? 'http://127.0.0.1:9/hooks';
  return rolloutSpecSchema.parse({
    apiVersion: 'rollout-guard/v1',
    kind: 'Rollout',
    metadata: { name },
    spec: {
      flag: `${name}-flag`,
      ...options.oncall,
      waves: [
        { percent: 25, bake: options.bake ?? '1h', minSamples: 100 },
        { percent: 50, bake: options.bake ?? '1h' },
        { percent: 100, bake: options.bake ?? '1h' },
      ],
      approval: options.approval ?? 'manual',
      guardrails: [
        {
          name: 'error-rate',
          metric: { ratio: { numerator: 'errors_total', denominator: 'requests_total' } },
          allowed: { max: 0.03 },
        },
      ],
      successCriteria:
        options.criteria === false
          ? []
          : [{ name: 'latency', metric: 'latency_seconds', aggregate: 'mean', allowed: { max: 2 } }],
      actions: {
        rollback: [{ url: `${receiver}/rollback`, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }],
        verdict: [{ url: `${receiver}/verdict`, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }],
        advance: [{ url: `${receiver}/advance`, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }],
        alert: options.alerts
          ? [{ url: `${receiver}/alert`, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }]
          : [],
      },
    },
  });
}

/** One absolute measurement of `value` over `samples` treatment samples. */
export function absoluteMeasurement(value: number, samples: number, now: number): Measurement {
  return {
    window: { from: now - 60_000, to: now, label: 'wave' },
    treatment: { samples, value },
  };
}

/**
 * For tests: a bucket hash of `fields` short fields (`b0` … = 1.5) that Redis keeps as a hash table, made
 * one the way the ingest script makes one (a long value written, then removed), with a TTL.
 */
export async function tableBucket(
  redis: RedisConnection,
  key: string,
  fields: number,
  ttlSeconds = 600,
): Promise<void> {
  const values = Array.from({ length: fields }, (_, i) => [`b${i}`, '1.5']).flat();
  await redis.hset(key, '\n', '-'.repeat(4096), ...values);
  await redis.hdel(key, '\n');
  await redis.expire(key, ttlSeconds);
}
