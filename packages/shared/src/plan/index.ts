export * from './assumptions.ts';
export * from './check-plan.ts';
export * from './plan.ts';
export * from './time-to-decision.ts';
