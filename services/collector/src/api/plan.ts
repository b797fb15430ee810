import type { App } from '../app.ts';
import type { ApiDeps } from './api-deps.ts';
import { errorResponses, NameParams, SpecInput, SpecProblemsBody } from './api-schemas.ts';
import { guard } from './guard.ts';
import { rolloutOr404 } from './lookup.ts';
import { PlanQuery, planAssumptionsOf, planOr400, RolloutPlanBody } from './plan-query.ts';
import { problemsBody, readSpecBody } from './spec-body.ts';

/**
 * The wave planner: `POST /api/v1/plan` for a spec in the body, `GET /api/v1/rollouts/{name}/plan` for the
 * spec a rollout runs by. Pure computation on the request, bounded by the spec's size.
 */
export function registerPlan(app: App, deps: ApiDeps): void {
  const description =
    'Per wave and check: how many samples and how much bake the always-valid interval needs at this traffic to reach a verdict, and to act on a breach of a given size; warnings where a bake can never be conclusive or a guardrail cannot act before the bake ends';
  deps.openapi.registerPath({
    method: 'post',
    path: '/api/v1/plan',
    summary: 'Plan a spec’s waves at a given traffic',
    description,
    tags: ['specs'],
    request: {
      query: PlanQuery,
      body: {
        required: true,
        content: { 'application/yaml': { schema: SpecInput }, 'application/json': { schema: SpecInput } },
      },
    },
    responses: {
      200: { description: 'The plan', content: { 'application/json': { schema: RolloutPlanBody } } },
      400: {
        description: 'The spec has problems, or the query is wrong',
        content: { 'application/json': { schema: SpecProblemsBody } },
      },
      ...errorResponses(413, 415, 503),
    },
  });
  deps.openapi.registerPath({
    method: 'get',
    path: '/api/v1/rollouts/{name}/plan',
    summary: 'Plan the waves of the spec a rollout runs by, at a given traffic',
    description,
    tags: ['rollouts'],
    request: { params: NameParams, query: PlanQuery },
    responses: {
      200: { description: 'The plan', content: { 'application/json': { schema: RolloutPlanBody } } },
      ...errorResponses(400, 404),
    },
  });

  app.post('/api/v1/plan', ...guard(deps, 'read'), async function planSpec(c) {
    const assumptions = planAssumptionsOf(c);
    const { result } = await readSpecBody(c, deps);
    if (!result.ok) return c.json(problemsBody(c.get('requestId'), result.problems), 400);
    return c.json(planOr400(result.spec, assumptions));
  });

  app.get('/api/v1/rollouts/:name/plan', ...guard(deps, 'read'), async function planRollout(c) {
    const assumptions = planAssumptionsOf(c);
    const { state } = await rolloutOr404(deps, c.req.param('name'));
    return c.json(planOr400(state.state.spec, assumptions));
  });
}
