import { rolloutKeys } from '../redis/keys.ts';
import type { AuditDraft } from './audit-entry.ts';
import type { RedisConnection } from './lua-script.ts';
import type { StoredState } from './records.ts';

export interface RedeliveryRequest {
  /** The delivery id: `<decisionId>.<action>.<targetIndex>`. */
  readonly delivery: string;
  readonly decisionId: string;
  readonly webhook: string;
  readonly actor: string;
  readonly reason?: string;
  /** How many times it has now been asked for again. */
  readonly redeliveries: number;
  readonly at: number;
}

/**
 * Writes an operator's redelivery of a webhook to the rollout's audit log, with who and why. It changes no
 * state, so the entry carries the state rev it was asked against. Returns the entry's stream id.
 */
export async function recordRedelivery(
  redis: RedisConnection,
  rollout: string,
  request: RedeliveryRequest,
): Promise<string> {
  const keys = rolloutKeys(rollout);
  const stateText = await redis.get(keys.state);
  const state = stateText === null ? null : (JSON.parse(stateText) as StoredState);
  const entry: AuditDraft = {
    at: request.at,
    kind: 'redelivery',
    actor: request.actor,
    specVersion: state?.state.specVersion ?? 0,
    event: {
      type: 'redeliver',
      delivery: request.delivery,
      webhook: request.webhook,
      ...(request.reason === undefined ? {} : { reason: request.reason }),
    },
    from: null,
    to: null,
    decisions: [request.decisionId],
    summary: `${request.actor} asked for ${request.webhook} delivery ${request.delivery} again (redelivery ${request.redeliveries})${request.reason === undefined ? '' : `: ${request.reason}`}`,
  };
  const id = await redis.xadd(
    keys.audit,
    '*',
    'rev',
    String(state?.rev ?? 0),
    'entry',
    JSON.stringify(entry),
  );
  return id ?? '';
}
