/**
 * What a browser page shows the way the services do: the phases and the operator actions each allows, bounds of `allowed` as written and
 * in the units they are compared in. Only modules that import nothing at run time (no zod, no Node): the
 * dashboard bundles this subpath for the browser, and its build test keeps it that way.
 */

export {
  type DistributionChart,
  type DistributionChartInput,
  type DistributionChartPoint,
  distributionChart,
} from '../decision/distribution-chart.ts';
export { OPERATOR_ACTIONS, type OperatorAction } from '../decision/events.ts';
export * from '../decision/limit-text.ts';
export { actionsFor } from '../decision/operator-actions.ts';
export { PHASES, type Phase, TERMINAL_PHASES } from '../decision/state.ts';
export {
  type Allowed,
  type AllowedText,
  isRelative,
  type Limit,
  parseAllowed,
  parseLimit,
} from '../spec/limit-value.ts';
export { type DeliveryStatus, FINAL_STATUSES } from '../store/delivery-status.ts';
