import type { ParseResult } from '@rollout-guard/shared/spec';
import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError } from '../errors.ts';
import type { ApiDeps } from './api-deps.ts';
import type { SpecProblemsBody } from './api-schemas.ts';

const FORMATS: Record<string, 'json' | 'yaml'> = {
  'application/json': 'json',
  'application/yaml': 'yaml',
  'application/x-yaml': 'yaml',
  'text/yaml': 'yaml',
  'text/x-yaml': 'yaml',
};

export interface SpecBody {
  readonly text: string;
  readonly contentType: 'application/json' | 'application/yaml';
  readonly result: ParseResult;
}

/**
 * Reads a spec body by its Content-Type (JSON or YAML) and parses it (a large one in a worker thread:
 * `deps.specWorkers`); 415 for any other type.
 */
export async function readSpecBody(c: Context, deps: Pick<ApiDeps, 'specWorkers'>): Promise<SpecBody> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const format = FORMATS[type];
  if (format === undefined) {
    throw new AppError({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: `Content-Type "${type || '(none)'}" is not a spec format; send application/yaml or application/json`,
    });
  }
  const text = await c.req.text();
  if (text.trim() === '') {
    throw new AppError({
      code: 'BAD_REQUEST',
      message: 'The body is empty; send a rollout spec in YAML or JSON',
    });
  }
  return {
    text,
    contentType: format === 'json' ? 'application/json' : 'application/yaml',
    result: await deps.specWorkers.parse(text, format),
  };
}

/** The 400 body of a refused spec: every problem with its path. */
export function problemsBody(
  requestId: string,
  problems: z.infer<typeof SpecProblemsBody>['problems'],
  what = 'The spec',
): z.infer<typeof SpecProblemsBody> {
  const first = problems[0];
  return {
    code: 'BAD_REQUEST',
    message: `${what} has ${problems.length} problem${problems.length === 1 ? '' : 's'}${first === undefined ? '' : `; first: ${first.path || '(top level)'}: ${first.message}`}`,
    requestId,
    problems,
  };
}
