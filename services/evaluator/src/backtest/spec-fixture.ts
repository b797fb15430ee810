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
