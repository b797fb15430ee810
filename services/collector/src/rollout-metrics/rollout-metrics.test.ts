import { createRolloutStore, operate } from '@rollout-guard/shared/store';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiTestApp, errorRateEvaluation, specYaml, useApiSuite } from '../api/api-test-kit.ts';
import { createRolloutMetrics, RolloutMetricsTimeoutError } from './rollout-metrics.ts';

describe('/metrics/rollouts', () => {
  const suite = useApiSuite();
  let api: ApiTestApp;
  const now = Date.parse('2026-11-21T10:00:00Z');

  beforeAll(async () => {
    api = suite.api;
    await api.redis.flushall();
    for (const name of ['live', 'other', 'ended']) {
      await api.call('PUT', `/api/v1/rollouts/${name}`, { body: specYaml(name), type: 'application/yaml' });
      await operate(api.deps.store, name, 'start', 'operator', undefined, now);
    }
    await operate(api.deps.store, 'ended', 'abort', 'operator', 'not needed', now + 1);
    const evaluated = await api.deps.store.applyEvent(
      'live',
      errorRateEvaluation(now, now + 60_000, { samples: 5120, value: 0.011, interval: [0.008, 0.014] }),
      now + 60_000,
    );
    expect(evaluated.ok).toBe(true);
  });

  it('exposes each active rollout’s phase and wave and each check against its limit, as the API shows them', async () => {
    const res = await api.call('GET', '/metrics/rollouts', { token: 'reader' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    const guardrail = 'rollout="live",check="error-rate",role="guardrail"';
    for (const line of [
      'rollout_guard_rollout_metrics_rollouts 2',
      'rollout_guard_rollout_metrics_truncated 0',
      'rollout_guard_rollout_phase{rollout="live",phase="wave"} 1',
      'rollout_guard_rollout_wave{rollout="live"} 1',
      'rollout_guard_rollout_wave_percent{rollout="live"} 25',
      'rollout_guard_rollout_spec_version{rollout="live"} 1',
      `rollout_guard_rollout_checkpoint_timestamp_seconds{rollout="live"} ${(now + 3_600_000) / 1000}`,
      `rollout_guard_check_value{${guardrail}} 0.011`,
      `rollout_guard_check_interval_lower{${guardrail}} 0.008`,
      `rollout_guard_check_interval_upper{${guardrail}} 0.014`,
      `rollout_guard_check_limit_max{${guardrail}} 0.03`,
      `rollout_guard_check_outcome{${guardrail},outcome="ok"} 1`,
      `rollout_guard_check_samples{${guardrail},cohort="treatment"} 5120`,
      'rollout_guard_check_outcome{rollout="other",check="error-rate",role="guardrail",outcome="not-evaluated"} 1',
    ]) {
      expect(text).toContain(`${line}\n`);
    }
    const view = (await (await api.call('GET', '/api/v1/rollouts/live', { token: 'reader' })).json()) as {
      checks: Array<{ value: number; interval: [number, number] }>;
    };
    expect(view.checks[0]).toMatchObject({ value: 0.011, interval: [0.008, 0.014] });
    // Only active rollouts: an aborted one has no series.
    expect(text).not.toContain('rollout="ended"');
    expect((await api.call('GET', '/metrics/rollouts', { token: null })).status).toBe(401);
  });

  it('serves the same exposition from every collector replica', async () => {
    const other = new Redis(suite.redis.url);
    try {
      const one = createRolloutMetrics(api.deps.store, { maxRollouts: 100, timeoutMs: 2000 });
      const two = createRolloutMetrics(createRolloutStore(other), { maxRollouts: 100, timeoutMs: 2000 });
      expect(await two.metrics()).toBe(await one.metrics());
    } finally {
      other.disconnect();
    }
  });

  it('exposes at most the configured number of rollouts, and says so', async () => {
    const capped = createRolloutMetrics(api.deps.store, { maxRollouts: 1, timeoutMs: 2000 });
    const text = await capped.metrics();
    expect(text).toContain('rollout_guard_rollout_metrics_rollouts 1\n');
    expect(text).toContain('rollout_guard_rollout_metrics_truncated 1\n');
    expect(text).toContain('rollout="live"');
    expect(text).not.toContain('rollout="other"');
  });

  it('gives up on a scrape when Redis is too slow, rather than hang', async () => {
    const blocker = new Redis(suite.redis.url);
    try {
      const slow = createRolloutMetrics(api.deps.store, { maxRollouts: 100, timeoutMs: 100 });
      await blocker.call('CLIENT', 'PAUSE', '500'); // every client's commands wait half a second
      await expect(slow.metrics()).rejects.toBeInstanceOf(RolloutMetricsTimeoutError);
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      blocker.disconnect();
    }
  });
});
