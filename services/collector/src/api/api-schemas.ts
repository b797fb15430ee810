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
    413: 'Body over API_MAX_BODY_BYTES, or a spec that took over SPEC_PARSE_TIMEOUT_MS or SPEC_PARSE_MAX_HEAP_MB to parse',
    415: 'Unknown content type',
    429: 'Rate limited; see Retry-After',
    503: 'Redis unavailable, or the threads that parse and diff large specs busy (SPEC_PARSE_QUEUE); see Retry-After',
  };
  return Object.fromEntries(
    [401, 403, 429, ...statuses].map((status) => [
      status,
      { description: text[status] ?? 'Error', content: { 'application/json': { schema: ApiError } } },
    ]),
  );
}

const AuditPosition = z.object({ phase: z.string(), wave: z.number().int() }).nullable();

/** One entry of the audit log (the incident log): `GET /api/v1/audit` and `GET /api/v1/rollouts/{name}/audit`. */
export const AuditEntryView = z
  .object({
    id: z.string().meta({
      description: 'The entry’s id in the log (`<ms>-<seq>`), the same in both routes; a cursor',
      example: '1764990000123-0',
    }),
    rollout: z.string(),
    at: z.number().meta({ description: 'When it happened, epoch milliseconds' }),
    time: z.string().meta({ description: '`at` as ISO 8601', example: '2026-12-06T07:00:00.123Z' }),
    kind: z.string().meta({
      description:
        '`created` (first spec), `spec` (a new spec version), `transition` (an operator action, a timer or an evaluation that changed the phase, a guardrail or took a decision), `refused` (an operator action the phase did not allow), `redelivery` (a delivery sent again)',
    }),
    action: z.string().meta({
      description:
        'What arrived: an operator action (`start`, `pause`, `resume`, `approve`, `abort`, `rollback`), `evaluation`, `baseline-complete`, `bake-elapsed`, `spec-stored`, `system-decision`, `redeliver`',
    }),
    actor: z.string().meta({ description: 'The token’s name of the operator, or `system`' }),
    reason: z.string().nullable().meta({ description: 'The reason the operator (or the system) gave' }),
    summary: z.string().meta({ description: 'One line; for `refused`, why it was refused' }),
    specVersion: z.number().int().meta({ description: 'The spec version in force' }),
    rev: z
      .number()
      .int()
      .meta({ description: 'The state revision it produced (refused: was refused against)' }),
    from: AuditPosition,
    to: AuditPosition,
    decisions: z.array(z.string()).meta({ description: 'Ids of the decisions it took (`…/decisions/{id}`)' }),
    deliveries: z
      .array(z.string())
      .meta({ description: 'Ids of the webhook deliveries it caused (`/api/v1/deliveries`)' }),
    event: z.record(z.string(), z.unknown()).meta({
      description: 'The event as it arrived, with its inputs (an evaluation’s measurements)',
    }),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntryView = z.infer<typeof AuditEntryView>;

export const AuditPage = z
  .object({
    entries: z.array(AuditEntryView),
    next: z.string().nullable().meta({
      description:
        'Pass as `cursor` for the next page in the same `order`. `desc`: null once the oldest entry was read. `asc`: the last id read (poll with it to follow new entries); null only while the log is empty. A page may hold fewer than `limit` entries when filters skip many: go on while `next` moves',
    }),
    latest: z.string().nullable().meta({ description: 'The newest id in this log when it was read' }),
  })
  .meta({ id: 'AuditPage' });
export type AuditPage = z.infer<typeof AuditPage>;
