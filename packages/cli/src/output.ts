import { stringify } from 'yaml';
import { CliError, EXIT } from './exit-codes.ts';

export const OUTPUTS = ['table', 'json', 'yaml'] as const;
export type Output = (typeof OUTPUTS)[number];

export function outputOf(value: string): Output {
  if (!(OUTPUTS as readonly string[]).includes(value)) {
    throw new CliError(`--output ${value}: expected one of ${OUTPUTS.join(', ')}`, EXIT.usage);
  }
  return value as Output;
}

/** The data as JSON or YAML for scripts, or the command's own table for people. */
export function render(data: unknown, output: Output, table: () => string): string {
  if (output === 'json') return JSON.stringify(data, null, 2);
  if (output === 'yaml') return stringify(data).trimEnd();
  return table();
}
