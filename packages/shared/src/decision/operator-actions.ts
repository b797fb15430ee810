import type { OperatorAction } from './events.ts';
import { type Phase, TERMINAL_PHASES } from './state.ts';

/**
 * The operator actions the state machine (transition.ts) accepts in each phase, so a page can offer only
 * those; a table test holds the two to the same rules. Imports nothing at run time: the dashboard bundles it.
 */
export function actionsFor(phase: Phase): OperatorAction[] {
  if (TERMINAL_PHASES.includes(phase)) return [];
  switch (phase) {
    case 'pending':
      return ['start', 'abort'];
    case 'paused':
      return ['resume', 'rollback', 'abort'];
    case 'awaiting-approval':
      return ['approve', 'pause', 'rollback', 'abort'];
    default:
      return ['pause', 'rollback', 'abort'];
  }
}
