import type { Decision, WebhookType } from '../decision/decision.ts';
import { rolloutKeys } from '../redis/keys.ts';
import type { AuditDraft } from './audit-entry.ts';
import { copyAuditSoon, deliveryIds } from './audit-log.ts';
import { luaScript, type RedisConnection, runScript } from './lua-script.ts';
import type { AuditEntry, OutboxEntry } from './records.ts';
import { outboxEntries } from './routing.ts';
import type { StoreContext } from './store-context.ts';
import { UnknownRolloutError } from './store-errors.ts';

const addDecisionScript = luaScript('add-decision', new URL('./add-decision.lua', import.meta.url));

/**
 * Records a decision that changes no state with its audit entry and deliveries, once per decision id.
 * Returns the deliveries stored (none if it existed).
 */
export async function addSystemDecision(
  ctx: StoreContext,
  name: string,
  decision: Decision,
  webhook: WebhookType,
  now = Date.now(),
): Promise<OutboxEntry[]> {
  const keys = rolloutKeys(name);
  const spec = await ctx.getSpec(name, decision.specVersion);
  if (spec === null) throw new UnknownRolloutError(name);
  const outbox = outboxEntries(name, [{ type: 'decision', webhook, decision }], spec.spec, now);
  const audit: AuditDraft = {
    at: now,
    kind: 'transition',
    actor: 'system',
    specVersion: decision.specVersion,
    event: { type: 'system-decision', kind: decision.kind, reason: decision.reason },
    from: null,
    to: null,
    decisions: [decision.id],
    deliveries: deliveryIds(outbox),
    summary: `${decision.kind} ${decision.outcome}: ${decision.reason}`,
  };
  const stored = await runScript(
    ctx.redis,
    addDecisionScript,
    [keys.audit, keys.decisions, keys.decisionIndex, keys.outbox, keys.state],
    [
      decision.id,
      JSON.stringify(decision),
      decision.at,
      JSON.stringify(audit),
      outbox.length,
      ...outbox.flatMap((entry) => [entry.id, JSON.stringify(entry)]),
    ],
  );
  if (stored !== 1) return [];
  await copyAuditSoon(ctx.redis, name);
  return outbox;
}

function parseStreamEntry(id: string, fields: string[]): AuditEntry {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!;
  return { id, rev: Number(record.rev), ...(JSON.parse(record.entry ?? '{}') as AuditDraft) };
}

export async function readAudit(
  redis: RedisConnection,
  name: string,
  { after, limit = 1000 }: { after?: string; limit?: number } = {},
): Promise<AuditEntry[]> {
  const start = after === undefined ? '-' : `(${after}`;
  const entries = await redis.xrange(rolloutKeys(name).audit, start, '+', 'COUNT', limit);
  return entries.map(([id, fields]) => parseStreamEntry(id, fields));
}

export async function getDecision(
  redis: RedisConnection,
  name: string,
  id: string,
): Promise<Decision | null> {
  const text = await redis.hget(rolloutKeys(name).decisions, id);
  return text === null ? null : readDecision(text);
}

/** A stored decision; one stored before shadow mode existed was taken for real. */
function readDecision(text: string): Decision {
  const decision = JSON.parse(text) as Decision;
  return { ...decision, shadow: decision.shadow === true };
}

/** The newest decisions first. */
export async function listDecisions(
  redis: RedisConnection,
  name: string,
  { limit = 100 }: { limit?: number } = {},
): Promise<Decision[]> {
  const keys = rolloutKeys(name);
  const ids = await redis.zrevrange(keys.decisionIndex, 0, limit - 1);
  if (ids.length === 0) return [];
  const texts = await redis.hmget(keys.decisions, ...ids);
  return texts.flatMap((text) => (text === null ? [] : [readDecision(text)]));
}

/** What is still to be enqueued, oldest first. */
export async function listOutbox(redis: RedisConnection, name: string): Promise<OutboxEntry[]> {
  const fields = await redis.hgetall(rolloutKeys(name).outbox);
  return Object.values(fields)
    .map((text) => JSON.parse(text) as OutboxEntry)
    .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

export async function removeOutbox(
  redis: RedisConnection,
  name: string,
  ids: readonly string[],
): Promise<void> {
  if (ids.length > 0) await redis.hdel(rolloutKeys(name).outbox, ...ids);
}
