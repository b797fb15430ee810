import type { Command } from 'commander';
import type { Delivery, RedeliverResponse } from '../api-types.ts';
import type { CliContext } from '../context.ts';
import { formatTime, paintState } from '../format.ts';
import { render } from '../output.ts';
import { renderTable } from '../table.ts';

/** `deliveries [--rollout NAME]` and `redeliver ID`: the webhook delivery log. */
export function registerDeliveries(program: Command, ctx: CliContext): void {
  program
    .command('deliveries')
    .description('the webhook delivery log, newest first')
    .option('--rollout <name>', 'only this rollout’s deliveries')
    .action(async (options: { rollout?: string }) => {
      const query = options.rollout === undefined ? '' : `?rollout=${encodeURIComponent(options.rollout)}`;
      const { deliveries } = await ctx
        .client()
        .json<{ deliveries: Delivery[] }>('GET', `/api/v1/deliveries${query}`);
      ctx.out(
        render(deliveries, ctx.output(), () =>
          deliveries.length === 0
            ? 'no deliveries'
            : renderTable(
                ['ID', 'ROLLOUT', 'WEBHOOK', 'STATUS', 'ATTEMPTS', 'TO', 'CREATED'],
                deliveries.map((d) => [
                  d.id,
                  d.rollout,
                  d.webhook,
                  paintState(d.status, ctx.colors),
                  String(d.attempts),
                  `${d.format} ${d.destination}`,
                  formatTime(d.createdAt),
                ]),
              ),
        ),
      );
    });

  program
    .command('redeliver')
    .description('send an ended delivery again, as a fresh retry chain')
    .argument('<id>', 'a delivery id (see: rollout-guard deliveries)')
    .action(async (id: string) => {
      const answer = await ctx
        .client()
        .json<RedeliverResponse>('POST', `/api/v1/deliveries/${encodeURIComponent(id)}/redeliver`);
      ctx.out(
        render(answer, ctx.output(), () => `delivery ${id} queued again (redelivery ${answer.redeliveries})`),
      );
    });
}
