import { z } from 'zod';
import type { App } from '../app.ts';
import { AppError } from '../errors.ts';
import type { ApiDeps } from './api-deps.ts';
import { errorResponses } from './api-schemas.ts';
import { guard } from './guard.ts';
import { RolloutSummary, summaryOf } from './rollout-view.ts';

export const ListRolloutsResponse = z
  .object({ rollouts: z.array(RolloutSummary) })
  .meta({ id: 'RolloutList' });
export type ListRolloutsResponse = z.infer<typeof ListRolloutsResponse>;

/** `GET /api/v1/rollouts`: every rollout with its phase and wave, by name. */
export function registerListRollouts(app: App, deps: ApiDeps): void {
  deps.openapi.registerPath({
    method: 'get',
    path: '/api/v1/rollouts',
    summary: 'List rollouts (`?archived=true`: the archived ones)',
    tags: ['rollouts'],
    request: {
      query: z.object({
        archived: z
          .enum(['true', 'false'])
          .optional()
          .meta({ description: 'List archived rollouts instead' }),
      }),
    },
    responses: {
      200: {
        description: 'Every rollout, by name',
        content: { 'application/json': { schema: ListRolloutsResponse } },
      },
      ...errorResponses(),
    },
  });

  app.get('/api/v1/rollouts', ...guard(deps, 'read'), async function listRollouts(c) {
    const archived = c.req.query('archived');
    if (archived !== undefined && archived !== 'true' && archived !== 'false') {
      throw new AppError({
        code: 'BAD_REQUEST',
        message: `archived=${JSON.stringify(archived)} is not true or false`,
      });
    }
    const names = archived === 'true' ? await deps.store.listArchived() : await deps.store.listRollouts();
    const found = await Promise.all(names.map((name) => deps.store.getRollout(name)));
    const rollouts = found.flatMap((r) => (r === null ? [] : [summaryOf(r.spec, r.state)]));
    return c.json({ rollouts } satisfies ListRolloutsResponse);
  });
}
