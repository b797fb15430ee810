import {
  type GuardrailInput,
  type RolloutSpec,
  type RolloutSpecInput,
  rolloutSpecSchema,
  type SuccessCriterionInput,
} from '@rollout-guard/shared/spec';

/** A parsed spec for tests, defaults applied by the real schema; `spec` fields override the example's. */
export function specFixture(spec: Partial<RolloutSpecInput['spec']> = {}): RolloutSpec {
  return rolloutSpecSchema.parse({
    apiVersion: 'rollout-guard/v1',
    kind: 'Rollout',
    metadata: { name: 'contact-center-copilot' },
    spec: {
      flag: 'copilot-assist',
      waves: [
        { percent: 25, bake: '1h' },
        { percent: 50, bake: '1h' },
        { percent: 100, bake: '1h' },
      ],
      guardrails: [
        {
          name: 'compliance-errors',
          metric: { ratio: { numerator: 'compliance_errors_total', denominator: 'contacts_total' } },
          allowed: { max: 0.03 },
          allowedByWave: { 25: { max: 0.04 } },
        },
      ],
      successCriteria: [
        { name: 'csat', metric: 'csat_score', aggregate: 'mean', compare: 'control', allowed: { min: -1 } },
      ],
      actions: { rollback: [{ url: 'https://flags.internal/hooks/rollback' }] },
      ...spec,
    },
  });
}

/** One parsed guardrail, e.g. `guardrailFixture({ allowed: { max: '+5%' }, compare: 'control' })`. */
export function guardrailFixture(input: Partial<GuardrailInput> = {}) {
  return specFixture({
    baseline: { window: '1h' },
    guardrails: [{ name: 'g', metric: 'm', allowed: { max: 2 }, ...input }],
  }).spec.guardrails[0]!;
}

export function criterionFixture(input: Partial<SuccessCriterionInput> = {}) {
  return specFixture({
    baseline: { window: '1h' },
    successCriteria: [{ name: 'c', metric: 'm', allowed: { max: 2 }, ...input }],
  }).spec.successCriteria[0]!;
}
