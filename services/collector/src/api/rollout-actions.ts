import { OPERATOR_ACTIONS, type OperatorAction } from '@rollout-guard/shared/decision';
import { operate } from '@rollout-guard/shared/store';
import { z } from 'zod';
import type { App } from '../app.ts';
import { AppError } from '../errors.ts';
import type { ApiDeps } from './api-deps.ts';
import { errorResponses, NameParams, Phase } from './api-schemas.ts';
import { guard } from './guard.ts';
import { rolloutOr404 } from './lookup.ts';

export const ActionBody = z
  .object({
    reason: z
      .string()
      .max(2000)
      .optional()
      .meta({ description: 'Why; kept in the audit log and the decision' }),
  })
  .strict()
  .meta({ id: 'ActionBody' });

export const ActionResponse = z
  .object({
    name: z.string(),
    action: z.enum(OPERATOR_ACTIONS),
    actor: z.string(),
    phase: Phase,
    wave: z.number().int(),
    decisions: z.array(z.object({ id: z.string(), kind: z.string(), outcome: z.string() })),
  })
  .meta({ id: 'ActionResponse' });
export type ActionResponse = z.infer<typeof ActionResponse>;

const SUMMARY: Record<OperatorAction, string> = {
  start: 'Start the rollout (baseline, then wave 1)',
  pause: 'Pause: no decisions, the bake clock stops',
  resume: 'Resume a paused rollout',
  approve: 'Approve the next wave after a go verdict',
  abort: 'Abort: end the rollout without rolling back',
  rollback: 'Roll back now: the rollback webhooks fire',
};

/** The optional `{"reason": "…"}` body of an operator action (empty is no reason); 400 for anything else. */
export async function reasonOf(c: {
  req: { header(name: string): string | undefined; text(): Promise<string> };
}) {
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new AppError({
      code: 'BAD_REQUEST',
      message: 'The body is not JSON; send {"reason": "…"} or nothing',
    });
  }
  const parsed = ActionBody.safeParse(data);
  if (!parsed.success) {
    throw new AppError({
      code: 'BAD_REQUEST',
      message: `The body must be {"reason": "<text>"} or empty: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ')}`,
    });
  }
  return parsed.data.reason;
}

/**
 * `POST /api/v1/rollouts/{name}/{start,pause,resume,approve,abort,rollback}`: an operator action through the
 * same compare-and-set path as the evaluator's decisions. The actor is the token's name; an action the phase
 * does not allow is 409 with the reason.
 */
export function registerRolloutActions(app: App, deps: ApiDeps): void {
  for (const action of OPERATOR_ACTIONS) {
    deps.openapi.registerPath({
      method: 'post',
      path: `/api/v1/rollouts/{name}/${action}`,
      summary: SUMMARY[action],
      tags: ['actions'],
      request: {
        params: NameParams,
        body: { required: false, content: { 'application/json': { schema: ActionBody } } },
      },
      responses: {
        200: {
          description: 'Done; the new phase and the decisions taken',
          content: { 'application/json': { schema: ActionResponse } },
        },
        ...errorResponses(400, 404, 409),
      },
    });

    app.post(`/api/v1/rollouts/:name/${action}`, ...guard(deps, 'operate'), async function rolloutAction(c) {
      const name = c.req.param('name');
      const reason = await reasonOf(c);
      await rolloutOr404(deps, name);
      const actor = c.get('principal')?.name ?? 'anonymous';
      const result = await operate(deps.store, name, action, actor, reason, deps.now());
      if (!result.ok) {
        const phase = result.refused
          ? ` (it is ${result.state.phase}${result.state.wave > 0 ? `, wave ${result.state.wave}` : ''})`
          : '';
        throw new AppError({
          code: 'CONFLICT',
          message: `Cannot ${action} rollout "${name}"${phase}: ${result.reason}`,
        });
      }
      await deps.jobs.evaluate(name, 'operator').catch((error: unknown) => {
        deps.logger.warn(
          { err: error, rollout: name },
          'could not ask for an evaluation after an operator action',
        );
      });
      return c.json({
        name,
        action,
        actor,
        phase: result.state.phase,
        wave: result.state.wave,
        decisions: result.decisions.map((d) => ({ id: d.id, kind: d.kind, outcome: d.outcome })),
      } satisfies ActionResponse);
    });
  }
}
