import { formatDuration } from '../spec/index.ts';
import type { CheckPlan } from './check-plan.ts';
import { type CheckPlanning, finite, isInside, minutesOf } from './check-planning.ts';
import { checkpointOf, formatMinutes } from './checkpoint.ts';
import { designFor, type Levels } from './interval-design.ts';
import { minutesToConclusive, radiusFloor } from './time-to-decision.ts';

/**
 * A success criterion: the verdict its expected value leads to, and when a checkpoint finds it — a pass
 * needs every bound cleared, a fail the first bound crossed. Warns when no bake is long enough.
 */
export function planCriterion(
  planning: CheckPlanning,
  levels: Levels,
): { verdict: NonNullable<CheckPlan['verdict']>; warnings: string[] } {
  const { check, floor, reference, minSamples, where } = planning;
  const { wave } = planning.ctx;
  const judged = planning.bounds.map((bound) => {
    const { design, theta } = designFor(planning, levels, bound, levels.treatmentValue);
    const distance = Math.abs(theta - bound.value);
    return {
      inside: isInside(bound, theta),
      median: Math.max(floor, minutesToConclusive(design, distance)),
      ninety: Math.max(floor, minutesToConclusive(design, distance, 0.9)),
      floor: radiusFloor(design),
      distance,
    };
  });
  const outside = judged.filter((j) => !j.inside);
  const expected = outside.length === 0 ? 'pass' : 'fail';
  const pick = (key: 'median' | 'ninety') =>
    expected === 'pass' ? Math.max(...judged.map((j) => j[key])) : Math.min(...outside.map((j) => j[key]));
  const median = pick('median');
  const verdict = {
    expected,
    minutes: finite(median),
    minutes90: finite(pick('ninety')),
    samples: planning.samplesAt(finite(median)),
    checkpoint: checkpointOf(wave, median),
  } as const;
  const warnings: string[] = [];
  if (!Number.isFinite(median)) {
    const why = judged.some((j) => j.distance === 0)
      ? 'its expected value sits on its limit'
      : judged.some((j) => j.floor >= j.distance)
        ? `its ${reference.label}'s own uncertainty keeps the interval wider than the margin to its limit`
        : reference.samples !== null && reference.samples < minSamples
          ? `its ${reference.label} holds only ${Math.floor(reference.samples)} samples, under minSamples ${minSamples}`
          : 'its interval never narrows enough';
    warnings.push(
      `${check.name} can never be conclusive in ${where}: ${why}; the wave ends in no-go after ${formatDuration(wave.maxBake.ms)}`,
    );
  } else if (median > minutesOf(wave.maxBake.ms)) {
    warnings.push(
      `${check.name} needs about ${formatMinutes(median)} to be conclusive in ${where}, longer than its longest bake ${formatDuration(wave.maxBake.ms)}: the wave ends in no-go`,
    );
  }
  return { verdict, warnings };
}
