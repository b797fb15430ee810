import type { App } from '../app.ts';
import type { ApiDeps } from './api-deps.ts';
import { AuditPage, errorResponses } from './api-schemas.ts';
import { AuditQueryParams, auditEntryView, auditQuery } from './audit-query.ts';
import { guard } from './guard.ts';

/** `GET /api/v1/audit`: the audit log of every rollout, deleted ones included, newest first or followed. */
export function registerAuditFeed(app: App, deps: ApiDeps): void {
  deps.openapi.registerPath({
    method: 'get',
    path: '/api/v1/audit',
    summary: 'The audit log of all rollouts (the incident log), by cursor',
    description:
      "Every spec change, operator action (with who and why), refusal, and transition or decision of every rollout, deleted rollouts' included, kept for the evaluator's `AUDIT_LOG_RETENTION` (365 days by default). Page back with `cursor` = `next` until it is null; follow with `order=asc` from a `next`.",
    tags: ['audit'],
    request: { query: AuditQueryParams },
    responses: {
      200: { description: 'A page of entries', content: { 'application/json': { schema: AuditPage } } },
      ...errorResponses(400),
    },
  });

  app.get('/api/v1/audit', ...guard(deps, 'read'), async function readAuditFeed(c) {
    const page = await deps.store.readAuditLog(auditQuery(c.req.query()));
    return c.json({ ...page, entries: page.entries.map(auditEntryView) } satisfies AuditPage);
  });
}
