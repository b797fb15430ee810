import type { Command } from 'commander';
import type { VersionDiff, VersionList } from '../api-types.ts';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { formatTime } from '../format.ts';
import { render } from '../output.ts';
import { renderTable } from '../table.ts';

function version(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new CliError(`"${text}" is not a version number; expected 1, 2, …`, EXIT.usage);
  }
  return Number(text);
}

/** `versions NAME` and `diff NAME V1 V2`. */
export function registerVersions(program: Command, ctx: CliContext): void {
  program
    .command('versions')
    .description('every stored version of a rollout’s spec')
    .argument('<name>', 'a rollout name')
    .action(async (name: string) => {
      const { versions } = await ctx
        .client()
        .json<VersionList>('GET', `/api/v1/rollouts/${encodeURIComponent(name)}/versions`);
      ctx.out(
        render(versions, ctx.output(), () =>
          renderTable(
            ['VERSION', 'CREATED', 'BY', 'FORMAT', ''],
            versions.map((v) => [
              `v${v.version}`,
              formatTime(v.createdAt),
              v.actor,
              v.contentType.replace('application/', ''),
              v.current ? 'current' : '',
            ]),
          ),
        ),
      );
    });

  program
    .command('diff')
    .description('what changed between two versions of a rollout’s spec')
    .argument('<name>', 'a rollout name')
    .argument('<v1>', 'the older version')
    .argument('<v2>', 'the newer version')
    .action(async (name: string, v1: string, v2: string) => {
      const diff = await ctx
        .client()
        .json<VersionDiff>(
          'GET',
          `/api/v1/rollouts/${encodeURIComponent(name)}/diff?from=${version(v1)}&to=${version(v2)}`,
        );
      ctx.out(
        render(diff, ctx.output(), () => {
          if (diff.changes.length === 0) return `v${v1} and v${v2} are the same spec`;
          return diff.patch
            .split('\n')
            .map((line) =>
              line.startsWith('+') && !line.startsWith('+++')
                ? ctx.colors.green(line)
                : line.startsWith('-') && !line.startsWith('---')
                  ? ctx.colors.red(line)
                  : line,
            )
            .join('\n')
            .trimEnd();
        }),
      );
    });
}
