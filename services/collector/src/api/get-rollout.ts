import type { App } from '../app.ts';
import type { ApiDeps } from './api-deps.ts';
import { errorResponses, NameParams } from './api-schemas.ts';
import { guard } from './guard.ts';
import { rolloutOr404 } from './lookup.ts';
import { RolloutView, rolloutView } from './rollout-view.ts';

/** `GET /api/v1/rollouts/{name}`: phase, wave, and each check's latest value, interval and state. */
export function registerGetRollout(app: App, deps: ApiDeps): void {
  deps.openapi.registerPath({
    method: 'get',
    path: '/api/v1/rollouts/{name}',
    summary: 'One rollout: phase, wave, each check against its limit',
    tags: ['rollouts'],
    request: { params: NameParams },
    responses: {
      200: { description: 'The rollout', content: { 'application/json': { schema: RolloutView } } },
      ...errorResponses(404),
    },
  });

  app.get('/api/v1/rollouts/:name', ...guard(deps, 'read'), async function getRollout(c) {
    const name = c.req.param('name');
    const { spec, state } = await rolloutOr404(deps, name);
    const [latest, decisions] = await Promise.all([
      deps.store.getSpec(name),
      deps.store.listDecisions(name, { limit: 50 }),
    ]);
    return c.json(rolloutView(spec, latest?.version ?? spec.version, state, decisions) satisfies RolloutView);
  });
}
