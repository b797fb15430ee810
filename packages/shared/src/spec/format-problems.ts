import type { Problem } from './problem.ts';

/**
 * One line per problem, for a terminal: `file:line:col  path: message`, the way compilers write
 * them so that editors and terminals make them clickable.
 */
export function formatProblems(problems: readonly Problem[], fileName?: string): string {
  return problems
    .map((problem) => {
      const position = problem.line === undefined ? '' : `${problem.line}:${problem.column ?? 1}`;
      const where = [fileName, position].filter((part) => part !== undefined && part !== '').join(':');
      const what = `${problem.path === '' ? '(document)' : problem.path}: ${problem.message}`;
      return where === '' ? what : `${where}  ${what}`;
    })
    .join('\n');
}
