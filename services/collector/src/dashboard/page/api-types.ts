/**
 * What the page reads from the API, as the API's zod schemas say (types only: nothing of zod or the
 * server is bundled for the browser).
 */
export type { AuditEntryView, AuditPage } from '../../api/api-schemas.ts';
export type { DecisionList } from '../../api/decisions.ts';
export type { DeliveryList, RedeliverResponse } from '../../api/deliveries.ts';
export type { ListRolloutsResponse } from '../../api/list-rollouts.ts';
export type { RolloutPlanResponse } from '../../api/plan-query.ts';
export type { ActionResponse } from '../../api/rollout-actions.ts';
export type { CheckView, RolloutView } from '../../api/rollout-view.ts';
export type { SeriesResponse } from '../../api/series.ts';
export type { TokenScopes } from '../../api/token-scopes.ts';
