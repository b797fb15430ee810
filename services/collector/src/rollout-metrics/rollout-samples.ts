import type { RolloutView } from '../api/rollout-view.ts';

/** One sample of the rollout metrics: a gauge's name (without the prefix), its labels, its value. */
export interface RolloutSample {
  readonly metric: RolloutMetricName;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const CHECK_LABELS = ['rollout', 'check', 'role'] as const;

function checkMetric(help: string) {
  return { help, labels: CHECK_LABELS };
}

/**
 * Every metric of `/metrics/rollouts`, with its help and its fixed label names. One place, so the exposition,
 * the documentation and the Grafana dashboard's test agree. Each rollout has 5 series (one per row below
 * with `rollout` alone, plus its phase), when it is not baking one less; each check at most 9 (value, two
 * interval bounds, up to two limits, its outcome, shadow or not, samples of two cohorts).
 */
export const ROLLOUT_METRICS = {
  rollout_guard_rollout_phase: {
    help: 'The phase an active rollout is in: 1 on the series of its current phase',
    labels: ['rollout', 'phase'],
  },
  rollout_guard_rollout_wave: {
    help: 'The wave an active rollout is in (1-based; 0 before wave 1)',
    labels: ['rollout'],
  },
  rollout_guard_rollout_wave_percent: {
    help: 'The share of traffic the current wave gives the treatment, in percent (0 before wave 1)',
    labels: ['rollout'],
  },
  rollout_guard_rollout_spec_version: { help: 'The spec version the rollout judges by', labels: ['rollout'] },
  rollout_guard_rollout_checkpoint_timestamp_seconds: {
    help: 'When the current wave’s bake ends and its checkpoint is judged (Unix seconds); absent when not baking',
    labels: ['rollout'],
  },
  rollout_guard_check_value: checkMetric(
    'A check’s latest compared quantity, in the units of its limit (a fraction for a relative limit like +5%)',
  ),
  rollout_guard_check_interval_lower: checkMetric(
    'The lower bound of the check’s always-valid confidence interval; absent when judged by value',
  ),
  rollout_guard_check_interval_upper: checkMetric(
    'The upper bound of the check’s always-valid confidence interval; absent when judged by value',
  ),
  rollout_guard_check_limit_min: checkMetric(
    'The lowest the compared quantity may be in the current wave (allowed.min); absent without one',
  ),
  rollout_guard_check_limit_max: checkMetric(
    'The highest the compared quantity may be in the current wave (allowed.max); absent without one',
  ),
  rollout_guard_check_outcome: {
    help: 'A check’s latest state: 1 on the series of its outcome (ok, breached, insufficient, no-data, not-evaluated, pass, fail, inconclusive)',
    labels: ['rollout', 'check', 'role', 'outcome'],
  },
  rollout_guard_check_shadow: checkMetric(
    '1 when the check (or its whole rollout) is in shadow mode: judged and shown, never acting; 0 otherwise',
  ),
  rollout_guard_check_samples: {
    help: 'Samples behind the check’s latest value, per cohort (treatment, reference)',
    labels: ['rollout', 'check', 'role', 'cohort'],
  },
} as const;

export type RolloutMetricName = keyof typeof ROLLOUT_METRICS;

/** A limit as written (`0.03`, `"+5%"`, `"-10%"`) in the units of the check's value; null when not a number. */
export function limitValue(limit: number | string | undefined): number | null {
  if (limit === undefined) return null;
  if (typeof limit === 'number') return limit;
  const percent = /^([+-]?\d+(?:\.\d+)?)%$/.exec(limit.trim());
  if (percent !== null) return Number(percent[1]) / 100;
  const number = Number(limit);
  return Number.isFinite(number) ? number : null;
}

/**
 * The samples of one rollout, from the same view `GET /api/v1/rollouts/{name}` answers with (so Grafana and
 * the API never disagree). Unknown numbers (no evaluation yet, no interval) are left out, not zero.
 */
export function rolloutSamples(view: RolloutView): RolloutSample[] {
  const rollout = { rollout: view.name };
  const samples: RolloutSample[] = [
    { metric: 'rollout_guard_rollout_phase', labels: { ...rollout, phase: view.phase }, value: 1 },
    { metric: 'rollout_guard_rollout_wave', labels: rollout, value: view.wave.index },
    { metric: 'rollout_guard_rollout_wave_percent', labels: rollout, value: view.wave.percent ?? 0 },
    { metric: 'rollout_guard_rollout_spec_version', labels: rollout, value: view.specVersion },
  ];
  if (view.checkpointAt !== null) {
    samples.push({
      metric: 'rollout_guard_rollout_checkpoint_timestamp_seconds',
      labels: rollout,
      value: view.checkpointAt / 1000,
    });
  }
  for (const check of view.checks) {
    const labels = { rollout: view.name, check: check.name, role: check.role };
    const optional: Array<[RolloutMetricName, number | null]> = [
      ['rollout_guard_check_value', check.value],
      ['rollout_guard_check_interval_lower', check.interval?.[0] ?? null],
      ['rollout_guard_check_interval_upper', check.interval?.[1] ?? null],
      ['rollout_guard_check_limit_min', limitValue(check.allowed.min)],
      ['rollout_guard_check_limit_max', limitValue(check.allowed.max)],
    ];
    for (const [metric, value] of optional) {
      if (value !== null && Number.isFinite(value)) samples.push({ metric, labels, value });
    }
    samples.push({
      metric: 'rollout_guard_check_outcome',
      labels: { ...labels, outcome: check.state },
      value: 1,
    });
    const shadow = view.mode === 'shadow' || check.mode === 'shadow';
    samples.push({ metric: 'rollout_guard_check_shadow', labels, value: shadow ? 1 : 0 });
    samples.push(
      {
        metric: 'rollout_guard_check_samples',
        labels: { ...labels, cohort: 'treatment' },
        value: check.samples.treatment,
      },
      {
        metric: 'rollout_guard_check_samples',
        labels: { ...labels, cohort: 'reference' },
        value: check.samples.reference,
      },
    );
  }
  return samples;
}
