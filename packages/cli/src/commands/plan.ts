import { type CheckPlan, formatMinutes, planRollout, type RolloutPlan } from '@rollout-guard/shared/plan';
import { formatDuration, formatProblems, parseSpec, type RolloutSpec } from '@rollout-guard/shared/spec';
import type { Command } from 'commander';
import type { Colors } from '../colors.ts';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { formatNumber } from '../format.ts';
import { render } from '../output.ts';
import { renderTable } from '../table.ts';
import { type PlanOptions, planAssumptionsFrom } from './plan-options.ts';
import { readSpecFile } from './spec-file.ts';

const minutes = (m: number | null) => (m === null ? 'never' : formatMinutes(m));

function samplesText(plan: CheckPlan): string {
  const samples = plan.verdict?.samples ?? plan.breach?.samples ?? null;
  if (samples === null) return '-';
  return samples.reference === null ? String(samples.treatment) : `${samples.treatment}/${samples.reference}`;
}

function row(plan: CheckPlan, colors: Colors): string[] {
  const name = plan.shadow ? `${plan.check} (shadow)` : plan.check;
  if (plan.method === 'unplanned') return [name, plan.role, colors.yellow('not planned'), '-', '-', '-', '-'];
  if (plan.verdict !== null) {
    return [
      name,
      plan.role,
      plan.method,
      plan.verdict.expected,
      plan.method === 'value'
        ? minutes(plan.verdict.minutes)
        : `${minutes(plan.verdict.minutes)} / ${minutes(plan.verdict.minutes90)}`,
      samplesText(plan),
      plan.verdict.checkpoint === 'never' ? colors.red('never') : plan.verdict.checkpoint,
    ];
  }
  const breach = plan.breach;
  return [
    name,
    plan.role,
    plan.method,
    breach?.value === null || breach === null ? 'breach' : `breach ${formatNumber(breach.value)}`,
    minutes(breach?.minutes ?? null),
    samplesText(plan),
    '-',
  ];
}

function assumedText(plan: CheckPlan): string | null {
  const parts = Object.entries(plan.assumptions).map(
    ([key, a]) => `${key}=${formatNumber(a.value)}${a.source === 'default' ? ' (default)' : ''}`,
  );
  const note = plan.note === null ? '' : ` — ${plan.note}`;
  return parts.length === 0 && note === '' ? null : `  ${plan.check}: ${parts.join(', ')}${note}`;
}

/** The plan for people: per wave a table of checks, what each assumed, then every warning. */
export function renderPlan(plan: RolloutPlan, colors: Colors): string {
  const lines = [`plan for ${plan.rollout} at ${plan.traffic} requests/min`];
  for (const wave of plan.waves) {
    const first = wave.checks[0];
    const rates =
      first === undefined
        ? ''
        : `; ${formatNumber(first.perMinute.treatment)} treatment${first.perMinute.reference === null ? '' : ` / ${formatNumber(first.perMinute.reference)} control`} samples/min`;
    lines.push(
      '',
      colors.bold(
        `wave ${wave.index} (${wave.percent}%) — bake ${formatDuration(wave.bakeMinutes * 60_000)}, at most ${formatDuration(wave.maxBakeMinutes * 60_000)}${rates}`,
      ),
      renderTable(
        ['CHECK', 'ROLE', 'METHOD', 'EXPECT', 'TIME (50% / 90%)', 'SAMPLES T/R', 'CHECKPOINT'],
        wave.checks.map((c) => row(c, colors)),
      ),
      'assumed:',
      ...wave.checks.flatMap((c) => assumedText(c) ?? []),
    );
  }
  lines.push('');
  if (plan.warnings.length === 0)
    lines.push(
      colors.green('no warnings: every bake can reach a verdict and every guardrail can act in time'),
    );
  else
    lines.push(colors.yellow(`${plan.warnings.length} warning(s):`), ...plan.warnings.map((w) => `  ${w}`));
  lines.push(
    '',
    'TIME: for a criterion, the bake at which half (and 90%) of checkpoints find it conclusive; for a guardrail, the median time until it acts on the breach.',
  );
  return lines.join('\n');
}

/** A spec file parsed, or a CliError listing its problems as `validate` does. */
export function specFromFile(ctx: CliContext, file: string): RolloutSpec {
  const { text, format } = readSpecFile(ctx, file);
  const result = parseSpec(text, { format });
  if (!result.ok) {
    throw new CliError(
      `${file} is not a valid spec`,
      EXIT.refused,
      formatProblems(result.problems, file).split('\n'),
    );
  }
  return result.spec;
}

/** The plan, or a CliError naming the assumptions that do not fit the spec. */
export function planFor(spec: RolloutSpec, ctx: CliContext, options: PlanOptions): RolloutPlan {
  const result = planRollout(spec, planAssumptionsFrom(ctx, options));
  if (!result.ok) {
    throw new CliError(
      'the plan’s assumptions do not fit the spec',
      EXIT.usage,
      result.problems.map((p) => `${p.path}: ${p.message}`),
    );
  }
  return result.plan;
}

/** Options shared by `plan` and `validate --traffic`. */
export function withPlanOptions(command: Command, trafficHelp: string): Command {
  return command
    .option('--traffic <requests/min>', trafficHelp)
    .option(
      '--check <name:key=value,…>',
      "a check's expectations (value, sd, effect, breach, samplesPerRequest); repeatable",
      (text: string, all: string[] = []) => [...all, text],
    )
    .option(
      '--assumptions <file>',
      'YAML or JSON: { traffic, checks: { NAME: { value, sd, effect, breach } } }',
    );
}

/** `plan FILE --traffic N`: offline, how much data and bake each wave's checks need. */
export function registerPlan(program: Command, ctx: CliContext): void {
  withPlanOptions(
    program
      .command('plan')
      .description(
        'how many samples and how much bake each check needs per wave, at a given traffic (offline)',
      )
      .argument('<file>', 'a YAML or JSON spec file'),
    'requests per minute across the whole population (required unless in --assumptions)',
  ).action((file: string, options: PlanOptions) => {
    const plan = planFor(specFromFile(ctx, file), ctx, options);
    ctx.out(render(plan, ctx.output(), () => renderPlan(plan, ctx.colors)));
  });
}
