import { OPERATOR_ACTIONS, type OperatorAction } from '../decision/events.ts';
import type { ApplyResult, RolloutStore } from './rollout-store.ts';

export class UnknownActionError extends Error {
  override name = 'UnknownActionError';
}

export function isOperatorAction(action: string): action is OperatorAction {
  return (OPERATOR_ACTIONS as readonly string[]).includes(action);
}

/**
 * An operator's action (start, pause, resume, approve, abort, rollback) on a rollout, through the same
 * compare-and-set path as the evaluator's decisions: an approval racing a breach resolves to one outcome,
 * and both are in the audit log. A refused action (`approve` while baking) comes back with its reason.
 * The decisions' deliveries wait in the outbox; the evaluator enqueues them (at once when told through
 * an `evaluate` job with reason `operator`, else within one outbox sweep).
 */
export async function operate(
  store: RolloutStore,
  name: string,
  action: string,
  actor: string,
  reason?: string,
  now: number = Date.now(),
): Promise<ApplyResult> {
  if (!isOperatorAction(action)) {
    throw new UnknownActionError(
      `unknown action "${action}": expected one of ${OPERATOR_ACTIONS.join(', ')}`,
    );
  }
  if (actor.trim() === '')
    throw new UnknownActionError('an operator action needs an actor: who asked for it');
  const event =
    reason === undefined || reason === '' ? { type: action, actor } : { type: action, actor, reason };
  return store.applyEvent(name, event, now);
}
