import type { Allowed } from './limit.ts';
import type { Check, RolloutSpec, Wave } from './resolved.ts';

/** `guardrail` (a rollback trigger) or `successCriterion` (a go/no-go gate). */
export function checkKind(check: Check): Check['kind'] {
  return check.kind;
}

/**
 * The bounds a check is judged against in the wave at `percent`: `allowed`, with each bound that
 * `allowedByWave[percent]` declares replacing the one of `allowed` (a bound it leaves out is kept).
 */
export function allowedForWave(check: Pick<Check, 'allowed' | 'allowedByWave'>, percent: number): Allowed {
  const override = check.allowedByWave[String(percent)];
  return override ? { ...check.allowed, ...override } : check.allowed;
}

/** Samples per cohort needed before the check is judged in this wave. */
export function minSamplesFor(check: Pick<Check, 'minSamples'>, wave: Pick<Wave, 'minSamples'>): number {
  return check.minSamples ?? wave.minSamples;
}

/** Guardrails then success criteria, in spec order. */
export function allChecks(spec: RolloutSpec): readonly Check[] {
  return [...spec.spec.guardrails, ...spec.spec.successCriteria];
}
