import type { z } from 'zod';

/** Thrown by a service's `loadEnv()`: one message that lists every bad variable. */
export class EnvError extends Error {
  override name = 'EnvError';
  constructor(
    readonly service: string,
    readonly problems: ReadonlyArray<{ variable: string; message: string }>,
  ) {
    const lines = problems.map((problem) => `  ${problem.variable}: ${problem.message}`);
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`The ${service}'s environment has ${count}:\n${lines.join('\n')}`);
  }
}

/**
 * Parses `source` (process.env) with a service's env schema. Every variable's problems are
 * collected, so a operator fixes their configuration in one go rather than one restart per typo.
 */
export function parseEnv<Schema extends z.ZodType>(
  service: string,
  schema: Schema,
  source: Record<string, string | undefined>,
): z.output<Schema> {
  // An empty variable (`PORT=`) means "not set", as in most shells' and compose files' intent.
  const defined = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const result = schema.safeParse(defined);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    variable: issue.path.map(String).join('.') || '(environment)',
    message: issue.message,
  }));
  throw new EnvError(service, problems);
}
