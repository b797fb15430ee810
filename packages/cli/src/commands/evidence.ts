import type { Command } from 'commander';
import type { CliContext } from '../context.ts';

/** `evidence NAME ID [--html] [--file PATH]`: downloads a decision's evidence pack to a file. */
export function registerEvidence(program: Command, ctx: CliContext): void {
  program
    .command('evidence')
    .description('download the evidence pack of a decision (a gate’s verdict): JSON, or printable HTML')
    .argument('<name>', 'a rollout name')
    .argument('<id>', 'a decision id (see: rollout-guard decisions NAME)')
    .option('--html', 'the printable HTML page instead of JSON')
    .option('--file <path>', 'where to write it (default: NAME-ID-evidence.json|html here; - for stdout)')
    .action(async (name: string, id: string, options: { html?: boolean; file?: string }) => {
      const extension = options.html ? 'html' : 'json';
      const path = `/api/v1/rollouts/${encodeURIComponent(name)}/decisions/${encodeURIComponent(id)}/evidence.${extension}`;
      const body = await ctx
        .client()
        .text('GET', path, { accept: options.html ? 'text/html' : 'application/json' });
      const file = options.file ?? `${name}-${id}-evidence.${extension}`;
      if (file === '-') {
        ctx.out(body);
        return;
      }
      ctx.writeFile(file, body);
      ctx.out(`evidence pack of ${id} written to ${file}`);
    });
}
