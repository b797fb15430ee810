import { type Command, Option } from 'commander';
import type { AuditEntry, AuditPage } from '../api-types.ts';
import { formatAuditLine } from '../audit-line.ts';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { render } from '../output.ts';

interface LogOptions {
  follow?: boolean;
  kind?: string;
  actor?: string;
  limit: string;
  interval: string;
}

function positive(text: string, option: string, whole: boolean): number {
  const value = Number(text);
  if (!(value > 0) || (whole && !Number.isInteger(value))) {
    throw new CliError(
      `${option} ${text}: expected ${whole ? 'a whole number from 1' : 'a number of seconds above 0'}`,
      EXIT.usage,
    );
  }
  return value;
}

/**
 * `log [NAME] [--follow]`: the audit log, one rollout's or all rollouts', oldest of the last `--limit` first;
 * `--follow` then polls with the log's cursor and prints each new entry once, until Ctrl-C.
 */
export function registerLog(program: Command, ctx: CliContext): void {
  program
    .command('log')
    .description(
      'the audit log (who did what, when and why), of one rollout or all; --follow for new entries',
    )
    .argument('[name]', 'a rollout name (a deleted rollout’s log is still there); all rollouts without')
    .option('-f, --follow', 'keep printing new entries until Ctrl-C')
    .option(
      '--kind <kinds>',
      'only these kinds, comma-separated: created, spec, transition, refused, redelivery',
    )
    .option('--actor <name>', 'only entries by this actor (a token name, or system)')
    .addOption(
      new Option('-n, --limit <count>', 'how many of the latest entries to show first').default('50'),
    )
    .option('--interval <seconds>', 'seconds between polls with --follow', '2')
    .action(async (name: string | undefined, options: LogOptions) => {
      const limit = positive(options.limit, '--limit', true);
      const interval = positive(options.interval, '--interval', false);
      const base =
        name === undefined ? '/api/v1/audit' : `/api/v1/rollouts/${encodeURIComponent(name)}/audit`;
      const filters = new URLSearchParams();
      if (options.kind !== undefined) filters.set('kind', options.kind);
      if (options.actor !== undefined) filters.set('actor', options.actor);
      const path = (query: Record<string, string>) =>
        `${base}?${new URLSearchParams([...filters, ...Object.entries(query)]).toString()}`;

      const first = await ctx
        .client()
        .json<AuditPage>('GET', path({ limit: String(Math.min(limit, 1000)), order: 'desc' }));
      const latest = first.entries.reverse();
      if (!options.follow) {
        ctx.out(
          render(latest, ctx.output(), () =>
            latest.length === 0
              ? `no audit entries${name === undefined ? '' : ` for ${name}`}`
              : latest.map((entry) => formatAuditLine(entry, ctx.colors)).join('\n'),
          ),
        );
        return;
      }
      // Following, one entry a line whatever the output: JSON lines for scripts.
      const print = (entry: AuditEntry) =>
        ctx.out(ctx.output() === 'table' ? formatAuditLine(entry, ctx.colors) : JSON.stringify(entry));
      latest.forEach(print);
      let cursor = first.latest;
      for (;;) {
        await ctx.sleep(interval * 1000);
        let page: AuditPage;
        try {
          page = await ctx
            .client()
            .json<AuditPage>(
              'GET',
              path({ limit: '1000', order: 'asc', ...(cursor === null ? {} : { cursor }) }),
            );
        } catch (error) {
          // A collector restarting or a rate limit is a pause in the log, not its end.
          if (!(error instanceof CliError) || error.code !== EXIT.server) throw error;
          ctx.err(`${error.message}; trying again in ${interval} s`);
          continue;
        }
        page.entries.forEach(print);
        cursor = page.next ?? cursor;
      }
    });
}
