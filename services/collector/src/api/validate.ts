import { formatPath, literalSecrets, specWarnings } from '@rollout-guard/shared/spec';
import { z } from 'zod';
import type { App } from '../app.ts';
import type { ApiDeps } from './api-deps.ts';
import { errorResponses, SpecInput, SpecProblem } from './api-schemas.ts';
import { guard } from './guard.ts';
import { PlanQuery, planAssumptionsOf, planOr400 } from './plan-query.ts';
import { shownParsedSpec } from './shown-spec.ts';
import { readSpecBody } from './spec-body.ts';

export const ValidateResponse = z
  .object({
    valid: z.boolean(),
    problems: z.array(SpecProblem),
    warnings: z.array(SpecProblem).meta({
      description:
        'What is valid but probably not meant: a guardrail judged by value that acts on a single evaluation, or a literal secret, readable by anyone who may read the spec',
    }),
    spec: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'The spec with defaults applied, when valid' }),
    planWarnings: z.array(z.string()).optional().meta({
      description:
        'With ?traffic=: the wave planner’s warnings (bakes that can never be conclusive, guardrails too slow to act); GET …/plan or POST /api/v1/plan give the numbers',
    }),
  })
  .meta({ id: 'ValidateResponse' });
export type ValidateResponse = z.infer<typeof ValidateResponse>;

/** `POST /api/v1/validate`: the answer a PUT would give about the spec, without storing anything. */
export function registerValidate(app: App, deps: ApiDeps): void {
  deps.openapi.registerPath({
    method: 'post',
    path: '/api/v1/validate',
    summary: 'Validate a spec without storing it',
    tags: ['specs'],
    request: {
      query: PlanQuery.partial(),
      body: {
        required: true,
        content: { 'application/yaml': { schema: SpecInput }, 'application/json': { schema: SpecInput } },
      },
    },
    responses: {
      200: {
        description: 'Whether the spec is valid, with every problem',
        content: { 'application/json': { schema: ValidateResponse } },
      },
      ...errorResponses(400, 413, 415, 503),
    },
  });

  app.post('/api/v1/validate', ...guard(deps, 'read'), async function validate(c) {
    const assumptions = c.req.query('traffic') === undefined ? null : planAssumptionsOf(c);
    const { result } = await readSpecBody(c, deps);
    if (!result.ok)
      return c.json({ valid: false, problems: result.problems, warnings: [] } satisfies ValidateResponse);
    const secretWarnings = literalSecrets(result.spec).map((secret) => ({
      path: formatPath(secret.path),
      message:
        'a literal secret: whoever may read this spec can read it (it is redacted from what the API serves, not from Redis); write "env:NAME" and list NAME in SPEC_ENV_ALLOWED',
    }));
    return c.json({
      valid: true,
      problems: [],
      warnings: [...specWarnings(result.spec), ...secretWarnings],
      spec: shownParsedSpec(result.spec),
      ...(assumptions === null ? {} : { planWarnings: [...planOr400(result.spec, assumptions).warnings] }),
    } satisfies ValidateResponse);
  });
}
