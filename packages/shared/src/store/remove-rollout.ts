import { TERMINAL_PHASES } from '../decision/state.ts';
import { globalKeys, rolloutKeys, SERIES_STATE_FENCE_SEGMENT, SERIES_STATE_SEGMENT } from '../redis/keys.ts';
import type { AuditDraft } from './audit-entry.ts';
import { copyAuditSoon } from './audit-log.ts';
import type { DeliveryLog } from './delivery-log.ts';
import { luaScript, type RedisConnection, runScript } from './lua-script.ts';
import type { StoredState } from './records.ts';
import { scanRolloutKeys, unlinkKeys } from './scan-rollout-keys.ts';

const removeScript = luaScript('remove-rollout', new URL('./remove-rollout.lua', import.meta.url));

export type RemovalMode = 'archive' | 'delete';

export interface RemovalInput {
  readonly name: string;
  readonly mode: RemovalMode;
  readonly actor: string;
  readonly reason?: string;
  /** How long the audit log of a deleted rollout is kept (AUDIT_LOG_RETENTION). */
  readonly auditRetentionMs: number;
  readonly now?: number;
}

export type RemovalResult =
  | { readonly ok: true; readonly keysRemoved: number }
  | { readonly ok: false; readonly code: 'NOT_FOUND' | 'CONFLICT'; readonly message: string };

/**
 * The parts of an archived rollout that go: its metric data and ingest bookkeeping. What stays
 * (spec versions, state, decisions, check history, audit log) is what a reader of its history needs.
 */
const ARCHIVED_DATA = [
  'bucket',
  'wave',
  'baseline',
  SERIES_STATE_SEGMENT,
  // The upgrade fence, or series states a collector of the version before writer tokens left there.
  SERIES_STATE_FENCE_SEGMENT,
  'batches',
  'active-series',
  'promql',
];

/**
 * Archives or deletes a finished rollout (completed, rolled back or aborted) whose deliveries are
 * all done. Archive: out of the rollout list (`?archived=true` lists it), its metric data removed,
 * its record readable by name; a new spec version brings it back. Delete: every key of the rollout
 * removed except its audit log, which expires after `auditRetentionMs`; the delivery log keeps its
 * deliveries for their own retention. The record goes in one script that checks the phase, so a
 * rollout restarted meanwhile is refused rather than removed; the data keys follow.
 */
export async function removeRollout(
  redis: RedisConnection,
  deliveries: DeliveryLog,
  input: RemovalInput,
): Promise<RemovalResult> {
  const { name, mode } = input;
  const keys = rolloutKeys(name);
  const pending = (await deliveries.list({ rollout: name, limit: 1000 })).filter(
    (record) => record.status === 'pending' || record.status === 'retrying',
  );
  if (pending.length > 0) {
    return {
      ok: false,
      code: 'CONFLICT',
      message: `Cannot ${mode} rollout "${name}": ${pending.length} webhook deliveries are still pending or retrying (${pending
        .slice(0, 3)
        .map((record) => record.id)
        .join(', ')}); wait for them to end, or see GET /api/v1/deliveries?rollout=${name}`,
    };
  }
  const now = input.now ?? Date.now();
  const state = await redis.get(keys.state);
  const parsed = state === null ? null : (JSON.parse(state) as StoredState);
  const audit: AuditDraft = {
    at: now,
    kind: mode === 'archive' ? 'archived' : 'deleted',
    actor: input.actor,
    specVersion: parsed?.state.specVersion ?? 0,
    event: {
      type: mode === 'archive' ? 'rollout-archived' : 'rollout-deleted',
      ...(input.reason === undefined ? {} : { reason: input.reason }),
    },
    from: parsed === null ? null : { phase: parsed.state.phase, wave: parsed.state.wave },
    to: null,
    decisions: [],
    summary: `${mode === 'archive' ? 'archived' : 'deleted'} by ${input.actor}${input.reason === undefined ? '' : `: ${input.reason}`}`,
  };
  const result = (await runScript(
    redis,
    removeScript,
    [keys.state, keys.audit, keys.spec, keys.outbox, keys.decisions, keys.decisionIndex, keys.specHistory],
    [mode, JSON.stringify(audit), input.auditRetentionMs, TERMINAL_PHASES.join(',')],
  )) as [number, string | number, (string | number)?];
  if (result[0] !== 1) {
    if (result[1] === 'missing') {
      return { ok: false, code: 'NOT_FOUND', message: `No rollout named "${name}"` };
    }
    const why =
      result[1] === 'phase'
        ? `it is ${result[2]}; only a completed, rolled-back or aborted rollout can be, so abort it first`
        : `${result[2]} deliveries or timers are still waiting in its outbox; try again in a few seconds`;
    return { ok: false, code: 'CONFLICT', message: `Cannot ${mode} rollout "${name}": ${why}` };
  }
  // The removal's own entry joins the audit log, which outlives the rollout (the sweep only sees listed rollouts).
  await copyAuditSoon(redis, name);
  await redis.srem(globalKeys.rollouts, name);
  if (mode === 'archive') await redis.sadd(globalKeys.archived, name);
  else await redis.srem(globalKeys.archived, name);
  await redis.hdel(globalKeys.active, name);
  await redis.publish(globalKeys.changes, name);
  const data = (await scanRolloutKeys(redis, name)).filter((key) => {
    if (key === keys.audit) return false;
    if (mode === 'delete') return true;
    const part = key.slice(key.indexOf('}:') + 2).split(':')[0] ?? '';
    return ARCHIVED_DATA.includes(part);
  });
  return { ok: true, keysRemoved: await unlinkKeys(redis, data) };
}
