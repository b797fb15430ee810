import type { Command } from 'commander';
import type { ActionResponse } from '../api-types.ts';
import type { CliContext } from '../context.ts';
import { render } from '../output.ts';

const ACTIONS = {
  start: 'start the rollout (baseline, then wave 1)',
  pause: 'pause: no decisions, the bake clock stops',
  resume: 'resume a paused rollout',
  approve: 'approve the next wave after a go verdict',
  abort: 'end the rollout without rolling back',
  rollback: 'roll back now: the rollback webhooks fire',
} as const;

/** `start|pause|resume|approve|abort|rollback NAME [--reason TEXT]`. */
export function registerActions(program: Command, ctx: CliContext): void {
  for (const [action, description] of Object.entries(ACTIONS)) {
    program
      .command(action)
      .description(description)
      .argument('<name>', 'a rollout name')
      .option('-r, --reason <text>', 'why; kept in the audit log and the decision')
      .action(async (name: string, options: { reason?: string }) => {
        const answer = await ctx
          .client()
          .json<ActionResponse>('POST', `/api/v1/rollouts/${encodeURIComponent(name)}/${action}`, {
            contentType: 'application/json',
            body: JSON.stringify(options.reason === undefined ? {} : { reason: options.reason }),
          });
        ctx.out(
          render(answer, ctx.output(), () => {
            const decided = answer.decisions.map((d) => `${d.kind} ${d.outcome} (${d.id})`).join(', ');
            return `${name}: ${action} by ${answer.actor} → ${answer.phase}${answer.wave > 0 ? `, wave ${answer.wave}` : ''}${decided === '' ? '' : `; decided ${decided}`}`;
          }),
        );
      });
  }
}
