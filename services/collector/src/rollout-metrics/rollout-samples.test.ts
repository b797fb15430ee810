import { describe, expect, it } from 'vitest';
import type { RolloutView } from '../api/rollout-view.ts';
import { limitValue, rolloutSamples } from './rollout-samples.ts';

describe('limitValue', () => {
  it.each([
    [0.03, 0.03],
    ['+5%', 0.05],
    ['-10%', -0.1],
    ['2.5%', 0.025],
    ['-1', -1],
    [undefined, null],
    ['lots', null],
  ])('%s → %s', (given, expected) => {
    expect(limitValue(given)).toBe(expected);
  });
});

const view: RolloutView = {
  name: 'copilot',
  flag: 'copilot-assist',
  mode: 'enforce',
  phase: 'wave',
  wave: { index: 2, percent: 50, of: 3 },
  specVersion: 4,
  updatedAt: 1,
  latestVersion: 4,
  approval: 'manual',
  waveStartedAt: 1_000,
  checkpointAt: 7_000,
  paused: null,
  planUrl: '/api/v1/rollouts/copilot/plan',
  owner: null,
  runbook: null,
  checks: [
    {
      name: 'handle-time',
      role: 'guardrail',
      mode: 'enforce',
      metric: 'contact_handle_time_seconds',
      compare: 'control',
      allowed: { max: '+5%' },
      limitSource: 'allowed',
      state: 'ok',
      value: 0.012,
      interval: [-0.01, 0.034],
      samples: { treatment: 5120, reference: 4980 },
      window: '1h',
      explanation: null,
      owner: null,
      runbook: null,
    },
    {
      name: 'csat',
      role: 'criterion',
      mode: 'shadow',
      metric: 'csat_score',
      compare: 'control',
      allowed: { min: -1 },
      limitSource: 'allowed',
      state: 'not-evaluated',
      value: null,
      interval: null,
      samples: { treatment: 0, reference: 0 },
      window: 'wave',
      explanation: null,
      owner: null,
      runbook: null,
    },
  ],
};

describe('rolloutSamples', () => {
  it('gives the rollout’s phase, wave and checkpoint, and each check’s numbers, leaving out what is unknown', () => {
    const lines = rolloutSamples(view).map(
      (s) =>
        `${s.metric}{${Object.entries(s.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')}} ${s.value}`,
    );
    expect(lines).toEqual([
      'rollout_guard_rollout_phase{rollout=copilot,phase=wave} 1',
      'rollout_guard_rollout_wave{rollout=copilot} 2',
      'rollout_guard_rollout_wave_percent{rollout=copilot} 50',
      'rollout_guard_rollout_spec_version{rollout=copilot} 4',
      'rollout_guard_rollout_checkpoint_timestamp_seconds{rollout=copilot} 7',
      'rollout_guard_check_value{rollout=copilot,check=handle-time,role=guardrail} 0.012',
      'rollout_guard_check_interval_lower{rollout=copilot,check=handle-time,role=guardrail} -0.01',
      'rollout_guard_check_interval_upper{rollout=copilot,check=handle-time,role=guardrail} 0.034',
      'rollout_guard_check_limit_max{rollout=copilot,check=handle-time,role=guardrail} 0.05',
      'rollout_guard_check_outcome{rollout=copilot,check=handle-time,role=guardrail,outcome=ok} 1',
      'rollout_guard_check_shadow{rollout=copilot,check=handle-time,role=guardrail} 0',
      'rollout_guard_check_samples{rollout=copilot,check=handle-time,role=guardrail,cohort=treatment} 5120',
      'rollout_guard_check_samples{rollout=copilot,check=handle-time,role=guardrail,cohort=reference} 4980',
      'rollout_guard_check_limit_min{rollout=copilot,check=csat,role=criterion} -1',
      'rollout_guard_check_outcome{rollout=copilot,check=csat,role=criterion,outcome=not-evaluated} 1',
      'rollout_guard_check_shadow{rollout=copilot,check=csat,role=criterion} 1',
      'rollout_guard_check_samples{rollout=copilot,check=csat,role=criterion,cohort=treatment} 0',
      'rollout_guard_check_samples{rollout=copilot,check=csat,role=criterion,cohort=reference} 0',
    ]);
  });

  it('marks every check shadow in a shadow rollout', () => {
    const shadow = rolloutSamples({ ...view, mode: 'shadow' }).filter(
      (s) => s.metric === 'rollout_guard_check_shadow',
    );
    expect(shadow.map((s) => s.value)).toEqual([1, 1]);
  });

  it('has no checkpoint time when the wave is not baking, and a 0% wave before wave 1', () => {
    const metrics = rolloutSamples({
      ...view,
      phase: 'baseline',
      wave: { index: 0, percent: null, of: 3 },
      checkpointAt: null,
      checks: [],
    });
    expect(metrics.map((s) => [s.metric, s.value])).toEqual([
      ['rollout_guard_rollout_phase', 1],
      ['rollout_guard_rollout_wave', 0],
      ['rollout_guard_rollout_wave_percent', 0],
      ['rollout_guard_rollout_spec_version', 4],
    ]);
  });
});
