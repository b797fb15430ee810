import { type RolloutSpec, rolloutSpecSchema } from '@rollout-guard/shared/spec';

/** A rollout with two waves (50%, 100%) and one guardrail: errors / requests at most 1 point over control. */
export function errorRatioSpec(name: string, bake: string): RolloutSpec {
  return rolloutSpecSchema.parse({
    apiVersion: 'rollout-guard/v1',
    kind: 'Rollout',
    metadata: { name },
    spec: {
      flag: name,
      waves: [
        { percent: 50, bake },
        { percent: 100, bake },
      ],
      guardrails: [
        {
          name: 'errors',
          metric: { ratio: { numerator: 'errors_total', denominator: 'requests_total' } },
          compare: 'control',
          allowed: { max: 0.01 },
        },
      ],
    },
  });
}

/**
 * The input of a rollout of two waves (50%, 100%) of the flag new-checkout over the series labelled
 * `scenario` (null: every series), approved at once, guarded by `guardrails`.
 */
export function scenarioSpecInput(
  name: string,
  scenario: string | null,
  bakes: readonly [string, string],
  guardrails: readonly object[],
) {
  return {
    apiVersion: 'rollout-guard/v1',
    kind: 'Rollout',
    metadata: { name },
    spec: {
      flag: 'new-checkout',
      match: scenario === null ? {} : { scenario },
      waves: [
        { percent: 50, bake: bakes[0] },
        { percent: 100, bake: bakes[1] },
      ],
      approval: 'auto',
      guardrails,
    },
  };
}

/**
 * Two hours of `requests_total` and `errors_total` per variant every 15 s from `start`, 400 requests a
 * scrape; errors at 1%, the treatment's ("on") at 5% from `breachAt` on, exactly: the answer is known.
 */
export function stepBreachOpenMetrics(start: number, breachAt: number): string {
  const requests: string[] = [];
  const errors: string[] = [];
  for (const variant of ['on', 'off']) {
    let failed = 0;
    let total = 0;
    for (let at = start; at <= start + 120 * 60_000; at += 15_000) {
      total += 400;
      failed += variant === 'on' && at >= breachAt ? 20 : 4;
      requests.push(`requests_total{feature_flag_result_variant="${variant}"} ${total} ${at / 1000}`);
      errors.push(`errors_total{feature_flag_result_variant="${variant}"} ${failed} ${at / 1000}`);
    }
  }
  return ['# TYPE requests counter', ...requests, '# TYPE errors counter', ...errors, '# EOF', ''].join('\n');
}
