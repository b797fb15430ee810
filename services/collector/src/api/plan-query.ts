import {
  type PlanAssumptions,
  parseCheckOption,
  planAssumptionsSchema,
  planRollout,
  type RolloutPlan,
} from '@rollout-guard/shared/plan';
import type { RolloutSpec } from '@rollout-guard/shared/spec';
import type { Context } from 'hono';
import { z } from 'zod';
import { AppError } from '../errors.ts';

export const PlanQuery = z.object({
  traffic: z
    .string()
    .meta({ description: 'Requests per minute across the whole population', example: '2000' }),
  check: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .meta({
      description:
        'A check’s expectations, repeatable: NAME:KEY=NUMBER,… with KEY value, sd, effect, breach, samplesPerRequest',
      example: 'errors:value=0.01,breach=0.02',
    }),
});

export const RolloutPlanBody = z
  .object({
    rollout: z.string(),
    traffic: z.number(),
    waves: z.array(
      z.object({
        index: z.number(),
        percent: z.number(),
        bakeMinutes: z.number(),
        maxBakeMinutes: z.number(),
        checks: z.array(z.record(z.string(), z.unknown())).meta({
          description:
            'Per check: method (interval | value | unplanned), assumptions (each given or default), reference, samples per minute, verdict (expected, minutes, minutes90, samples, checkpoint) or breach (value, minutes, samples), warnings',
        }),
      }),
    ),
    warnings: z.array(z.string()),
  })
  .meta({ id: 'RolloutPlan' });

/** What the plan routes answer: the planner's plan, which `RolloutPlanBody` describes for the OpenAPI document. */
export type RolloutPlanResponse = RolloutPlan;

/** The planner's assumptions from `?traffic=…&check=…`, or a 400 that says what to write. */
export function planAssumptionsOf(c: Context): PlanAssumptions {
  const traffic = c.req.query('traffic');
  if (traffic === undefined || traffic === '') {
    throw new AppError({
      code: 'BAD_REQUEST',
      message:
        'traffic is missing; add ?traffic=<requests per minute across the whole population>, like ?traffic=2000',
    });
  }
  const checks: Record<string, Record<string, number>> = {};
  for (const text of c.req.queries('check') ?? []) {
    const parsed = parseCheckOption(text);
    if (!parsed.ok) throw new AppError({ code: 'BAD_REQUEST', message: `check ${parsed.message}` });
    checks[parsed.name] = { ...checks[parsed.name], ...parsed.fields };
  }
  const result = planAssumptionsSchema.safeParse({ traffic: Number(traffic), checks });
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new AppError({
      code: 'BAD_REQUEST',
      message: `${issue?.path.join('.') || 'query'} "${issue?.path[0] === 'traffic' ? traffic : ''}": ${issue?.message}`,
    });
  }
  return result.data;
}

/** The plan, or a 400 naming the expectations that fit no check. */
export function planOr400(spec: RolloutSpec, assumptions: PlanAssumptions): RolloutPlan {
  const result = planRollout(spec, assumptions);
  if (!result.ok) {
    throw new AppError({
      code: 'BAD_REQUEST',
      message: result.problems.map((p) => `check ${p.path.slice('checks.'.length)}: ${p.message}`).join('; '),
    });
  }
  return result.plan;
}
