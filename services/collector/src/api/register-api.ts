import type { App } from '../app.ts';
import { registerDashboard } from '../dashboard/register-dashboard.ts';
import { registerRolloutMetrics } from '../rollout-metrics/register-rollout-metrics.ts';
import type { ApiDeps } from './api-deps.ts';
import { registerAuditFeed } from './audit-feed.ts';
import { registerBacktests } from './backtests.ts';
import { boundedBody } from './bounded-body.ts';
import { registerDecisions } from './decisions.ts';
import { registerDeliveries } from './deliveries.ts';
import { registerDiffVersions } from './diff-versions.ts';
import { registerEvidence } from './evidence.ts';
import { registerFlagger } from './flagger.ts';
import { registerGetRollout } from './get-rollout.ts';
import { registerListRollouts } from './list-rollouts.ts';
import { registerOpenApi } from './openapi-doc.ts';
import { registerPlan } from './plan.ts';
import { registerPutRollout } from './put-rollout.ts';
import { registerRemoveRollout } from './remove-rollout.ts';
import { registerRolloutActions } from './rollout-actions.ts';
import { registerRolloutAudit } from './rollout-audit.ts';
import { registerSeries } from './series.ts';
import { registerTokenScopes } from './token-scopes.ts';
import { registerValidate } from './validate.ts';
import { registerVerdict } from './verdict.ts';
import { registerVersions } from './versions.ts';

/** The HTTP API of PRODUCT.md §2 (everything but ingest) and the dashboard on it, one register call per route file. */
export function registerApi(app: App, deps: ApiDeps): void {
  // Bodies bounded in size and in time. Not '/api/v1/*': Prometheus remote write (/api/v1/write) has
  // its own, larger limits.
  const bounded = boundedBody({ maxBytes: deps.maxBodyBytes, timeoutMs: deps.bodyTimeoutMs });
  for (const path of [
    '/api/v1/rollouts/*',
    '/api/v1/validate',
    '/api/v1/plan',
    '/api/v1/backtests',
    '/api/v1/deliveries/*',
    '/api/v1/flagger/*',
  ]) {
    app.use(path, bounded);
  }
  registerValidate(app, deps);
  registerPlan(app, deps);
  registerBacktests(app, deps);
  registerListRollouts(app, deps);
  registerPutRollout(app, deps);
  registerGetRollout(app, deps);
  registerVersions(app, deps);
  registerDiffVersions(app, deps);
  registerRolloutActions(app, deps);
  registerRemoveRollout(app, deps);
  registerDecisions(app, deps);
  registerEvidence(app, deps);
  registerSeries(app, deps);
  registerVerdict(app, deps);
  registerFlagger(app, deps);
  registerDeliveries(app, deps);
  registerTokenScopes(app, deps);
  registerRolloutAudit(app, deps);
  registerAuditFeed(app, deps);
  registerRolloutMetrics(app, deps);
  registerDashboard(app, deps);
  registerOpenApi(app, deps);
}
