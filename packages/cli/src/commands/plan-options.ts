import {
  type PlanAssumptions,
  type PlanAssumptionsInput,
  parseCheckOption,
  planAssumptionsSchema,
} from '@rollout-guard/shared/plan';
import { parse } from 'yaml';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';

export interface PlanOptions {
  traffic?: string;
  check?: string[];
  assumptions?: string;
}

/**
 * The planner's assumptions from the command line: an optional file (YAML or JSON, the same shape as the
 * API's body without the spec) overlaid by `--traffic` and each `--check`.
 */
export function planAssumptionsFrom(ctx: CliContext, options: PlanOptions): PlanAssumptions {
  let input: Partial<PlanAssumptionsInput> = {};
  if (options.assumptions !== undefined) {
    let text: string;
    try {
      text = ctx.readFile(options.assumptions);
    } catch (error) {
      throw new CliError(
        `cannot read ${options.assumptions} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        EXIT.refused,
      );
    }
    input = (parse(text) ?? {}) as Partial<PlanAssumptionsInput>;
  }
  const checks: Record<string, Record<string, number>> = { ...(input.checks ?? {}) } as Record<
    string,
    Record<string, number>
  >;
  for (const text of options.check ?? []) {
    const parsed = parseCheckOption(text);
    if (!parsed.ok) throw new CliError(`--check ${parsed.message}`, EXIT.usage);
    checks[parsed.name] = { ...checks[parsed.name], ...parsed.fields };
  }
  const traffic = options.traffic === undefined ? input.traffic : Number(options.traffic);
  if (traffic === undefined) {
    throw new CliError(
      'give the traffic: --traffic <requests per minute>, or traffic: in --assumptions',
      EXIT.usage,
    );
  }
  const parsed = planAssumptionsSchema.safeParse({ ...input, traffic, checks });
  if (!parsed.success) {
    const where = options.assumptions ?? 'the options';
    throw new CliError(
      `the plan's assumptions are not valid (${where})`,
      EXIT.usage,
      parsed.error.issues.map(
        (issue) =>
          `${issue.path.join('.') === 'traffic' ? '--traffic' : issue.path.join('.')}: ${issue.message}`,
      ),
    );
  }
  return parsed.data;
}
