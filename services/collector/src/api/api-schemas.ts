import { PHASES } from '@rollout-guard/shared/decision';
import { z } from 'zod';
import { ErrorBody } from '../errors.ts';

/** Shared pieces of the API's schemas; each route owns the rest of its own. */

export const ApiError = ErrorBody.meta({
  id: 'Error',
  description: 'Every error answer: what was wrong, where, and what would be right.',
});

export const SpecProblem = z
  .object({
    path: z.string().meta({ example: 'spec.guardrails[1].allowed.max' }),
    message: z.string(),
    line: z.number().int().optional(),
    column: z.number().int().optional(),
  })
  .meta({ id: 'SpecProblem' });

export const SpecProblemsBody = ApiError.extend({ problems: z.array(SpecProblem) }).meta({
  id: 'SpecProblems',
  description: 'A refused spec: every problem with its path (and line:column when the text shows where).',
});

export const RolloutName = z
  .string()
  .regex(/^[a-z0-9-]+$/)
  .meta({ description: 'metadata.name of the rollout', example: 'contact-center-copilot' });

export const NameParams = z.object({ name: RolloutName });

/** The rollout spec as written (YAML or JSON): its JSON Schema is `packages/shared/rollout.schema.json`. */
export const SpecInput = z
  .record(z.string(), z.unknown())
  .meta({ id: 'RolloutSpecInput', description: 'A rollout spec (PRODUCT.md §1), as YAML or JSON.' });

export const Phase = z.enum(PHASES);

export const IntervalPair = z.tuple([z.number().nullable(), z.number().nullable()]);

/** The error responses most routes share, for the OpenAPI document. */
export function errorResponses(...statuses: number[]) {
  const text: Record<number, string> = {
    400: 'Malformed request',
    401: 'No bearer token, or an unknown one',
    403: 'The token lacks the scope',
    404: 'Unknown rollout (or other resource)',
    409: 'Not allowed in the rollout’s current phase',
    413: 'Body over API_MAX_BODY_BYTES',
    415: 'Unknown content type',
    429: 'Rate limited; see Retry-After',
  };
  return Object.fromEntries(
    [401, 403, 429, ...statuses].map((status) => [
      status,
      { description: text[status] ?? 'Error', content: { 'application/json': { schema: ApiError } } },
    ]),
  );
}
