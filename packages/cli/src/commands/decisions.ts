import type { Command } from 'commander';
import type { Decision } from '../api-types.ts';
import type { Colors } from '../colors.ts';
import type { CliContext } from '../context.ts';
import {
  checkOncall,
  formatAllowed,
  formatInterval,
  formatNumber,
  formatTime,
  paintState,
} from '../format.ts';
import { render } from '../output.ts';
import { renderTable } from '../table.ts';

function actorOf(decision: Decision): string {
  return decision.actor.type === 'operator' ? decision.actor.name : 'system';
}

/**
 * One decision as text: what, when, who, why, who is paged (owner and runbook as they were when it was taken),
 * and every check's numbers against its limit, with its rendered summary and its own owner and runbook.
 */
export function renderDecision(decision: Decision, colors: Colors, evidenceUrl: string): string {
  const wave =
    decision.wave === null ? 'before wave 1' : `wave ${decision.wave.index} (${decision.wave.percent}%)`;
  const lines = [
    `${colors.bold(`${decision.shadow ? 'shadow ' : ''}${decision.kind} ${paintState(decision.outcome, colors)}`)}  ${decision.rollout}  ${wave}`,
    ...(decision.shadow
      ? ['shadow    judged as for real and recorded; nothing acted (no flag turned, no wave moved)']
      : []),
    `decided   ${formatTime(decision.at)} by ${actorOf(decision)}; spec v${decision.specVersion}; ${decision.phase.from} → ${decision.phase.to}`,
    `why       ${decision.reason}`,
    ...(decision.owner === undefined ? [] : [`owner     ${decision.owner}`]),
    ...(decision.runbook === undefined ? [] : [`runbook   ${decision.runbook}`]),
    `evidence  ${evidenceUrl} (HTML report in a browser)`,
  ];
  if (decision.checks.length > 0) {
    lines.push('');
    lines.push(
      renderTable(
        ['CHECK', 'OUTCOME', 'VALUE', 'INTERVAL', 'JUDGED BY', 'LIMIT', 'SAMPLES T/R', 'WINDOW'],
        decision.checks.map((c) => {
          const kind = c.allowed.max !== undefined ? String(c.allowed.max) : String(c.allowed.min ?? '');
          const diff = kind.endsWith('%') ? c.difference?.relative : c.difference?.absolute;
          const value =
            c.compare === 'absolute' ? (c.cohorts.treatment?.value ?? null) : (diff?.estimate ?? null);
          return [
            c.shadow === true ? `${c.check} (shadow)` : c.check,
            paintState(c.outcome, colors),
            formatNumber(value),
            formatInterval(
              c.compare === 'absolute'
                ? (c.cohorts.treatment?.interval ?? null)
                : diff?.noInterval === undefined
                  ? (diff?.interval ?? null)
                  : null,
            ),
            c.judgedBy ?? '—',
            `${formatAllowed(c.allowed)} (${c.limitSource})`,
            `${c.cohorts.treatment?.samples ?? 0}/${c.cohorts.reference?.samples ?? 0}`,
            c.windowSpec,
          ];
        }),
      ),
    );
    for (const c of decision.checks) {
      lines.push(`  ${c.check}: ${c.rule}. ${c.explanation}`);
      if (c.summary !== undefined) lines.push(`    summary ${c.summary}`);
      const own = checkOncall(decision, c);
      if (own !== null) lines.push(`    ${own}`);
    }
  }
  return lines.join('\n');
}

/** A rollout's decisions, one a row; an OWNER column when any decision recorded one. */
export function renderDecisionList(decisions: readonly Decision[], colors: Colors): string {
  const withOwner = decisions.some((d) => d.owner !== undefined);
  return renderTable(
    ['ID', 'KIND', 'OUTCOME', 'WAVE', 'AT', 'ACTOR', ...(withOwner ? ['OWNER'] : [])],
    decisions.map((d) => [
      d.id,
      d.shadow ? `${d.kind} (shadow)` : d.kind,
      paintState(d.outcome, colors),
      d.wave === null ? '-' : `${d.wave.index} (${d.wave.percent}%)`,
      formatTime(d.at),
      actorOf(d),
      ...(withOwner ? [d.owner ?? '—'] : []),
    ]),
  );
}

/** `decisions NAME [ID]`: a rollout's decisions, or one with its evidence (`--html` for the printable report). */
export function registerDecisions(program: Command, ctx: CliContext, server: () => string): void {
  program
    .command('decisions')
    .description('a rollout’s decisions, or one decision with its evidence')
    .argument('<name>', 'a rollout name')
    .argument('[id]', 'a decision id')
    .option('--html', 'print the printable HTML report of one decision')
    .action(async (name: string, id: string | undefined, options: { html?: boolean }) => {
      const base = `/api/v1/rollouts/${encodeURIComponent(name)}/decisions`;
      if (id !== undefined) {
        const path = `${base}/${encodeURIComponent(id)}`;
        if (options.html) {
          ctx.out(await ctx.client().text('GET', path, { accept: 'text/html' }));
          return;
        }
        const decision = await ctx.client().json<Decision>('GET', path);
        ctx.out(
          render(decision, ctx.output(), () => renderDecision(decision, ctx.colors, `${server()}${path}`)),
        );
        return;
      }
      const { decisions } = await ctx.client().json<{ decisions: Decision[] }>('GET', base);
      ctx.out(
        render(decisions, ctx.output(), () =>
          decisions.length === 0 ? `no decisions for ${name} yet` : renderDecisionList(decisions, ctx.colors),
        ),
      );
    });
}
