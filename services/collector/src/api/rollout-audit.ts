import type { App } from '../app.ts';
import { AppError } from '../errors.ts';
import type { ApiDeps } from './api-deps.ts';
import { AuditPage, errorResponses, NameParams } from './api-schemas.ts';
import { AuditQueryParams, auditEntryView, auditQuery } from './audit-query.ts';
import { guard } from './guard.ts';

/** `GET /api/v1/rollouts/{name}/audit`: one rollout's audit log, readable after the rollout is deleted. */
export function registerRolloutAudit(app: App, deps: ApiDeps): void {
  deps.openapi.registerPath({
    method: 'get',
    path: '/api/v1/rollouts/{name}/audit',
    summary: 'A rollout’s audit log, by cursor',
    description:
      "The rollout's part of `GET /api/v1/audit`, under the same ids; still readable once the rollout is deleted, for the evaluator's `AUDIT_LOG_RETENTION`.",
    tags: ['audit'],
    request: { params: NameParams, query: AuditQueryParams },
    responses: {
      200: { description: 'A page of entries', content: { 'application/json': { schema: AuditPage } } },
      ...errorResponses(400, 404),
    },
  });

  app.get('/api/v1/rollouts/:name/audit', ...guard(deps, 'read'), async function readRolloutAudit(c) {
    const name = c.req.param('name');
    const query = auditQuery(c.req.query());
    const known =
      /^[a-z0-9-]+$/.test(name) &&
      ((await deps.store.hasAuditLog(name)) || (await deps.store.getState(name)) !== null);
    if (!known) {
      throw new AppError({
        code: 'NOT_FOUND',
        message: `Rollout "${name}" has no audit log: it never existed, or its entries are past retention; GET /api/v1/audit has every rollout's`,
      });
    }
    const page = await deps.store.readAuditLog({ ...query, rollout: name });
    return c.json({ ...page, entries: page.entries.map(auditEntryView) } satisfies AuditPage);
  });
}
