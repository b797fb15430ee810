import { formatProblems, parseSpec } from '@rollout-guard/shared/spec';
import type { Command } from 'commander';
import type { PutResponse } from '../api-types.ts';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { render } from '../output.ts';
import { readSpecFile } from './spec-file.ts';

/** `apply -f FILE`: create or change a rollout from its spec file. */
export function registerApply(program: Command, ctx: CliContext): void {
  program
    .command('apply')
    .description(
      'create or change a rollout from a spec file (a running rollout takes threshold, action, bake and approval changes only)',
    )
    .requiredOption('-f, --file <file>', 'the spec, YAML or JSON')
    .action(async (options: { file: string }) => {
      const { text, format } = readSpecFile(ctx, options.file);
      const local = parseSpec(text, { format });
      if (!local.ok) {
        throw new CliError(
          `${options.file} is not a valid spec; nothing was sent`,
          EXIT.refused,
          formatProblems(local.problems, options.file).split('\n'),
        );
      }
      const name = local.spec.metadata.name;
      const answer = await ctx
        .client()
        .json<PutResponse>('PUT', `/api/v1/rollouts/${encodeURIComponent(name)}`, {
          body: text,
          contentType: format === 'json' ? 'application/json' : 'application/yaml',
        });
      ctx.out(
        render(answer, ctx.output(), () => {
          if (answer.unchanged)
            return `rollout ${name} unchanged (version ${answer.version}, ${answer.phase})`;
          const verb = answer.created ? 'created' : 'configured';
          const running = answer.appliedToRunning
            ? `; the running rollout now judges by it (changed: ${answer.changed.join(', ')})`
            : '';
          return `rollout ${name} ${verb}: version ${answer.version}, ${answer.phase}${running}`;
        }),
      );
    });
}
