import { formatProblems, parseSpec } from '@rollout-guard/shared/spec';
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { render } from '../output.ts';
import { planFor, withPlanOptions } from './plan.ts';
import type { PlanOptions } from './plan-options.ts';
import { readSpecFile } from './spec-file.ts';

function planSummary(traffic: number, warnings: readonly string[], ctx: CliContext): string {
  if (warnings.length === 0) return `\n  plan at ${traffic} requests/min: no warnings`;
  return [
    `\n  plan at ${traffic} requests/min: ${ctx.colors.yellow(count(warnings.length, 'warning'))} (rollout-guard plan shows the numbers)`,
    ...warnings.map((w) => `    ${w}`),
  ].join('\n');
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * `validate FILE…`: offline, the same checks the server runs, every problem with its line:column. With
 * `--traffic`, the wave planner's warnings too: bakes that can never be conclusive, guardrails too slow.
 */
export function registerValidate(program: Command, ctx: CliContext): void {
  withPlanOptions(
    program
      .command('validate')
      .description('check rollout specs offline; every problem with file:line:column (exit 1 on any)')
      .argument('<file...>', 'YAML or JSON spec files'),
    "also plan each spec at this traffic (requests/min) and show the planner's warnings",
  ).action((files: string[], options: PlanOptions) => {
    const planning = options.traffic !== undefined || options.assumptions !== undefined;
    const results = files.map((file) => {
      const { text, format } = readSpecFile(ctx, file);
      const result = parseSpec(text, { format });
      const plan = result.ok && planning ? planFor(result.spec, ctx, options) : null;
      return { file, result, plan };
    });
    const data = results.map(({ file, result, plan }) => ({
      file,
      valid: result.ok,
      ...(result.ok ? { name: result.spec.metadata.name } : { problems: result.problems }),
      ...(plan === null ? {} : { planWarnings: plan.warnings }),
    }));
    ctx.out(
      render(data, ctx.output(), () =>
        results
          .map(({ file, result, plan }) =>
            result.ok
              ? `${file}: ${ctx.colors.green('valid')} (rollout ${result.spec.metadata.name}, ${count(result.spec.spec.waves.length, 'wave')}, ${count(result.spec.spec.guardrails.length, 'guardrail')}, ${count(result.spec.spec.successCriteria.length, 'success criterion', 'success criteria')})${plan === null ? '' : planSummary(plan.traffic, plan.warnings, ctx)}`
              : `${file}: ${ctx.colors.red(`${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`)}\n${formatProblems(result.problems, file)}`,
          )
          .join('\n'),
      ),
    );
    const bad = results.filter(({ result }) => !result.ok).length;
    if (bad > 0) throw new CliError(`${bad} of ${files.length} file(s) invalid`, EXIT.refused);
  });
}
