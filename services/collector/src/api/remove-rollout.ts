import { removeRollout } from '@rollout-guard/shared/store';
import type { Context } from 'hono';
import { z } from 'zod';
import type { App, AppEnv } from '../app.ts';
import { AppError } from '../errors.ts';
import type { ApiDeps } from './api-deps.ts';
import { errorResponses, NameParams } from './api-schemas.ts';
import { guard } from './guard.ts';

export const RemovalResponse = z
  .object({
    name: z.string(),
    action: z.enum(['archive', 'delete']),
    actor: z.string(),
    keysRemoved: z.number().int().meta({ description: 'Redis keys of metric data and records removed' }),
  })
  .meta({ id: 'RemovalResponse' });
export type RemovalResponse = z.infer<typeof RemovalResponse>;

const DEFAULT_AUDIT_RETENTION_MS = 365 * 86_400_000;

const ROUTES = [
  {
    mode: 'archive',
    method: 'post',
    path: '/api/v1/rollouts/{name}/archive',
    summary:
      'Archive a finished rollout: out of the list (`?archived=true` lists it), its metric data removed, its spec, decisions and audit log kept',
  },
  {
    mode: 'delete',
    method: 'delete',
    path: '/api/v1/rollouts/{name}',
    summary:
      'Delete a finished rollout and every key of it; its audit log stays for AUDIT_LOG_RETENTION, its deliveries for DELIVERY_LOG_RETENTION',
  },
] as const;

/**
 * Archive and delete: `admin`, like storing a spec, and only for a rollout that has finished
 * (completed, rolled back, aborted) with no delivery pending; anything else is 409 with the reason.
 */
export function registerRemoveRollout(app: App, deps: ApiDeps): void {
  for (const route of ROUTES) {
    deps.openapi.registerPath({
      method: route.method,
      path: route.path,
      summary: route.summary,
      tags: ['rollouts'],
      request: { params: NameParams },
      responses: {
        200: { description: 'Done', content: { 'application/json': { schema: RemovalResponse } } },
        ...errorResponses(404, 409),
      },
    });
    const honoPath = route.path.replace('{name}', ':name');
    const handler = async function removeRolloutRoute(c: Context<AppEnv>) {
      const name = c.req.param('name') ?? '';
      const actor = c.get('principal')?.name ?? 'anonymous';
      const result = await removeRollout(deps.redis, deps.deliveries, {
        name,
        mode: route.mode,
        actor,
        auditRetentionMs: deps.auditRetentionMs ?? DEFAULT_AUDIT_RETENTION_MS,
        now: deps.now(),
      });
      if (!result.ok) throw new AppError({ code: result.code, message: result.message });
      deps.logger.info({ rollout: name, actor, keysRemoved: result.keysRemoved }, `rollout ${route.mode}d`);
      return c.json({
        name,
        action: route.mode,
        actor,
        keysRemoved: result.keysRemoved,
      } satisfies RemovalResponse);
    };
    if (route.method === 'post') app.post(honoPath, ...guard(deps, 'admin'), handler);
    else app.delete(honoPath, ...guard(deps, 'admin'), handler);
  }
}
