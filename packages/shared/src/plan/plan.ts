import { allChecks, type RolloutSpec } from '../spec/index.ts';
import type { PlanAssumptions } from './assumptions.ts';
import { type CheckPlan, planCheck } from './check-plan.ts';

export interface WavePlan {
  /** 1-based, as in decisions. */
  readonly index: number;
  readonly percent: number;
  readonly bakeMinutes: number;
  readonly maxBakeMinutes: number;
  readonly checks: readonly CheckPlan[];
}

export interface RolloutPlan {
  readonly rollout: string;
  /** Requests per minute across the whole population. */
  readonly traffic: number;
  readonly waves: readonly WavePlan[];
  /** Every wave's warnings in one list: bakes that can never be conclusive, guardrails too slow to act. */
  readonly warnings: readonly string[];
}

export type PlanResult =
  | { readonly ok: true; readonly plan: RolloutPlan }
  | { readonly ok: false; readonly problems: readonly { readonly path: string; readonly message: string }[] };

/**
 * The wave planner: per wave and check, how many samples and how much bake the always-valid interval needs
 * at the given traffic. Pure: the same spec and assumptions give the same plan.
 */
export function planRollout(spec: RolloutSpec, assumptions: PlanAssumptions): PlanResult {
  const names = allChecks(spec).map((c) => c.name);
  const problems = Object.keys(assumptions.checks)
    .filter((name) => !names.includes(name))
    .map((name) => ({
      path: `checks.${name}`,
      message: `the spec has no check named "${name}"; its checks are ${names.join(', ')}`,
    }));
  if (problems.length > 0) return { ok: false, problems };
  const waves = spec.spec.waves.map(
    (wave): WavePlan => ({
      index: wave.index + 1,
      percent: wave.percent,
      bakeMinutes: wave.bake.ms / 60_000,
      maxBakeMinutes: wave.maxBake.ms / 60_000,
      checks: allChecks(spec).map((check) =>
        planCheck(
          { spec, wave, traffic: assumptions.traffic, expectation: assumptions.checks[check.name] },
          check,
        ),
      ),
    }),
  );
  return {
    ok: true,
    plan: {
      rollout: spec.metadata.name,
      traffic: assumptions.traffic,
      waves,
      warnings: [...unplannedWarnings(waves), ...waves.flatMap((w) => w.checks.flatMap((c) => c.warnings))],
    },
  };
}

/** One line per check the planner could not plan, naming the waves, rather than one per wave. */
function unplannedWarnings(waves: readonly WavePlan[]): string[] {
  const byNote = new Map<string, number[]>();
  for (const wave of waves) {
    for (const check of wave.checks) {
      if (check.method !== 'unplanned') continue;
      const key = `${check.check}: not planned — ${check.note}`;
      byNote.set(key, [...(byNote.get(key) ?? []), wave.index]);
    }
  }
  return [...byNote].map(([text, indexes]) => {
    const [name, rest] = [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':'))];
    const where = indexes.length === waves.length ? 'in every wave' : `in wave ${indexes.join(', ')}`;
    return `${name} ${where}${rest}`;
  });
}
