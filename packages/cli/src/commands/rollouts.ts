import type { Command } from 'commander';
import type { RolloutSummary, RolloutView } from '../api-types.ts';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { paintState } from '../format.ts';
import { render } from '../output.ts';
import { renderStatus } from '../status-view.ts';
import { renderTable } from '../table.ts';

const TERMINAL = new Set(['completed', 'rolled-back', 'aborted']);

function rolloutPath(name: string): string {
  return `/api/v1/rollouts/${encodeURIComponent(name)}`;
}

/** `get [NAME]` and `status NAME [--watch]`. */
export function registerRollouts(program: Command, ctx: CliContext): void {
  program
    .command('get')
    .description('list rollouts, or show one with its checks')
    .argument('[name]', 'a rollout name')
    .option('--archived', 'list the archived rollouts instead')
    .action(async (name: string | undefined, options: { archived?: boolean }) => {
      if (name !== undefined) {
        const view = await ctx.client().json<RolloutView>('GET', rolloutPath(name));
        ctx.out(render(view, ctx.output(), () => renderStatus(view, ctx.now(), ctx.colors)));
        return;
      }
      const { rollouts } = await ctx
        .client()
        .json<{ rollouts: RolloutSummary[] }>(
          'GET',
          options.archived === true ? '/api/v1/rollouts?archived=true' : '/api/v1/rollouts',
        );
      ctx.out(
        render(rollouts, ctx.output(), () =>
          rollouts.length === 0
            ? 'no rollouts yet: rollout-guard apply -f FILE'
            : renderTable(
                ['NAME', 'PHASE', 'WAVE', 'FLAG', 'SPEC'],
                rollouts.map((r) => [
                  r.name,
                  paintState(r.phase, ctx.colors),
                  r.wave.index === 0 ? `-/${r.wave.of}` : `${r.wave.index}/${r.wave.of} (${r.wave.percent}%)`,
                  r.flag,
                  `v${r.specVersion}`,
                ]),
              ),
        ),
      );
    });

  program
    .command('status')
    .description(
      'a rollout’s wave, time to checkpoint and each check against its limit; --watch keeps it live',
    )
    .argument('<name>', 'a rollout name')
    .option('-w, --watch', 'redraw until the rollout ends or Ctrl-C')
    .option('--interval <seconds>', 'seconds between redraws with --watch', '2')
    .action(async (name: string, options: { watch?: boolean; interval: string }) => {
      const seconds = Number(options.interval);
      if (!(seconds > 0))
        throw new CliError(
          `--interval ${options.interval}: expected a number of seconds above 0`,
          EXIT.usage,
        );
      let previous = '';
      for (;;) {
        const view = await ctx.client().json<RolloutView>('GET', rolloutPath(name));
        const text = render(view, ctx.output(), () => renderStatus(view, ctx.now(), ctx.colors));
        if (!options.watch) {
          ctx.out(text);
          return;
        }
        // On a terminal the view is redrawn in place; in a pipe each change is printed once, in order.
        if (ctx.isTTY) ctx.out(`\u001b[2J\u001b[H${text}`);
        else if (text !== previous) ctx.out(`${text}\n`);
        previous = text;
        if (TERMINAL.has(view.phase)) return;
        await ctx.sleep(seconds * 1000);
      }
    });
}
