import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';

/** A spec file's text and its format by extension (`.json`, else YAML, which also reads JSON). */
export function readSpecFile(ctx: CliContext, file: string): { text: string; format: 'json' | 'yaml' } {
  let text: string;
  try {
    text = ctx.readFile(file);
  } catch (error) {
    throw new CliError(
      `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      EXIT.refused,
    );
  }
  return { text, format: file.toLowerCase().endsWith('.json') ? 'json' : 'yaml' };
}
