import type { SuccessCriterion, Wave } from '@rollout-guard/shared/spec';
import type { CriterionOutcome } from './check.ts';
import type { CheckEvidence } from './evidence.ts';
import { allowedAsWritten } from './limit.ts';
import type { Measurement } from './measurement.ts';
import { assess, declaredJudgedBy, quantityWords } from './placement.ts';

export interface CriterionJudgement {
  readonly outcome: CriterionOutcome;
  readonly evidence: CheckEvidence;
}

/**
 * PRODUCT.md §1: a success criterion passes when its value (absolute) or whole interval (baseline/control)
 * lies inside `allowed`, fails when it lies wholly outside, and is inconclusive otherwise — including too few
 * samples or no data.
 */
export function judgeCriterion(
  rule: SuccessCriterion,
  wave: Pick<Wave, 'percent' | 'minSamples'>,
  measurement: Measurement | undefined,
): CriterionJudgement {
  const assessment = assess(rule, wave, measurement);
  const outcome: CriterionOutcome =
    assessment.kind !== 'placed'
      ? 'inconclusive'
      : assessment.placement === 'inside'
        ? 'pass'
        : assessment.placement === 'outside'
          ? 'fail'
          : 'inconclusive';
  const relativeCheck = rule.compare !== 'absolute';
  const judgedBy = assessment.kind === 'placed' ? assessment.judgedBy : declaredJudgedBy(rule);
  return {
    outcome,
    evidence: {
      check: rule.name,
      role: 'criterion',
      compare: rule.compare,
      reference: relativeCheck ? (measurement?.referenceKind ?? rule.compare) : null,
      allowed: allowedAsWritten(assessment.limit.allowed),
      limitSource: assessment.limit.source,
      rule:
        `passes when ${quantityWords(relativeCheck, judgedBy, rule.distribution !== undefined)} lies inside ` +
        `${assessment.limit.source}, fails when it lies wholly outside, ` +
        `with at least ${assessment.minSamples} samples per cohort` +
        (judgedBy === 'value' ? ' (judged by value)' : ''),
      judgedBy,
      confidence: measurement?.confidence ?? rule.confidence,
      minSamples: assessment.minSamples,
      windowSpec: rule.window === 'wave' ? 'wave' : rule.window.text,
      window: measurement?.window ?? null,
      cohorts: {
        treatment: measurement?.treatment ?? null,
        reference: measurement?.reference ?? null,
      },
      difference: measurement?.difference ?? null,
      ...(measurement?.distribution !== undefined && { distribution: measurement.distribution }),
      placement: assessment.kind === 'placed' ? assessment.placement : null,
      outcome,
      explanation: assessment.why,
    },
  };
}
