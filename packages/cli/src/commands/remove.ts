import type { Command } from 'commander';
import type { RemovalResponse } from '../api-types.ts';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { render } from '../output.ts';

const path = (name: string) => `/api/v1/rollouts/${encodeURIComponent(name)}`;

/** `archive NAME` and `delete NAME --yes`: for a finished rollout (the server says why otherwise). */
export function registerRemove(program: Command, ctx: CliContext): void {
  const report = (answer: RemovalResponse) =>
    ctx.out(
      render(
        answer,
        ctx.output(),
        () => `${answer.name}: ${answer.action}d by ${answer.actor} (${answer.keysRemoved} keys removed)`,
      ),
    );
  program
    .command('archive')
    .description('archive a finished rollout: out of `get`, metric data removed, history kept')
    .argument('<name>', 'a rollout name')
    .action(async (name: string) => {
      report(await ctx.client().json<RemovalResponse>('POST', `${path(name)}/archive`));
    });
  program
    .command('delete')
    .description('delete a finished rollout and its keys (its audit log stays for AUDIT_LOG_RETENTION)')
    .argument('<name>', 'a rollout name')
    .option('--yes', 'confirm: the spec versions, decisions and metric data cannot be brought back')
    .action(async (name: string, options: { yes?: boolean }) => {
      if (options.yes !== true) {
        throw new CliError(
          `delete removes rollout "${name}" for good; add --yes to confirm, or archive it instead`,
          EXIT.usage,
        );
      }
      report(await ctx.client().json<RemovalResponse>('DELETE', path(name)));
    });
}
