import type { Decision } from '@rollout-guard/shared/decision';
import type { AuditLogEntry, StoredSpec } from '@rollout-guard/shared/store';
import { parse } from 'yaml';
import { z } from 'zod';
import type { ApiDeps } from './api-deps.ts';
import { AuditEntryView } from './api-schemas.ts';
import { auditEntryView } from './audit-query.ts';
import { DecisionRecord } from './decisions.ts';
import { DeliveryView } from './deliveries.ts';
import { shownSpec } from './shown-spec.ts';

export const EvidencePack = z
  .object({
    generatedAt: z.number().meta({ description: 'When this pack was put together, epoch milliseconds' }),
    rollout: z.string(),
    decision: DecisionRecord,
    spec: z.object({
      version: z.number().int().meta({ description: 'The spec version in force when it was decided' }),
      createdAt: z.number(),
      actor: z.string().meta({ description: 'Who stored that version' }),
      approval: z.enum(['manual', 'auto']),
      content: z.record(z.string(), z.unknown()).meta({
        description:
          'That version as it was written (YAML or JSON, read into an object), literal secrets redacted',
      }),
    }),
    approvals: z.array(AuditEntryView).meta({
      description:
        'Every approval asked for at this wave after the decision (from the audit log: who, when, why; refused ones too), oldest first',
    }),
    followingDecisions: z
      .array(DecisionRecord)
      .meta({ description: 'The decisions the approvals took (approved, advance)' }),
    deliveries: z
      .array(DeliveryView)
      .meta({ description: 'The webhooks of the decision and of those that followed, with their status' }),
  })
  .meta({ id: 'EvidencePack' });
export type EvidencePack = z.infer<typeof EvidencePack>;

/** Audit pages read at most while looking back for a gate's approvals (each reads at most 5,000 entries). */
const APPROVAL_PAGES = 4;

/** The approvals of the decision's wave asked for after it, newest first as read, returned oldest first. */
async function approvalsOf(deps: Pick<ApiDeps, 'store'>, decision: Decision): Promise<AuditLogEntry[]> {
  const found: AuditLogEntry[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < APPROVAL_PAGES; page++) {
    const read = await deps.store.readAuditLog({
      rollout: decision.rollout,
      order: 'desc',
      limit: 1000,
      kinds: ['transition', 'refused'],
      ...(cursor === undefined ? {} : { cursor }),
    });
    for (const entry of read.entries) {
      if (entry.at < decision.at) return found.reverse();
      if (entry.event.type === 'approve' && entry.from?.wave === (decision.wave?.index ?? 0))
        found.push(entry);
    }
    if (read.next === null) break;
    cursor = read.next;
  }
  return found.reverse();
}

/**
 * The spec as its author wrote it (shorter than the parsed one, which spells out every default), with
 * its literal secrets redacted as everywhere the API shows a spec.
 */
function asWritten(spec: StoredSpec): unknown {
  const shown = shownSpec(spec);
  try {
    const written: unknown = parse(shown.source);
    if (written !== null && typeof written === 'object') return written;
  } catch {
    // Stored specs were parsed when stored; if the text cannot be read now, the parsed form still says it all.
  }
  return shown.spec;
}

/**
 * What a change-advisory board asks for before the next wave, for one decision: the decision with every check's
 * numbers, the spec version it was judged by (secrets redacted), the approvals asked for at that wave and what
 * they decided, and every webhook sent for them. Null when the rollout or the decision is unknown.
 */
export async function buildEvidencePack(
  deps: Pick<ApiDeps, 'store' | 'deliveries' | 'now'>,
  name: string,
  id: string,
): Promise<{ pack: EvidencePack; decision: Decision } | null> {
  const decision = await deps.store.getDecision(name, id);
  if (decision === null) return null;
  const spec = await deps.store.getSpec(name, decision.specVersion);
  if (spec === null) return null;
  const approvals = await approvalsOf(deps, decision);
  const followingIds = [...new Set(approvals.flatMap((entry) => entry.decisions))].filter((d) => d !== id);
  const following = (await Promise.all(followingIds.map((d) => deps.store.getDecision(name, d)))).filter(
    (d): d is Decision => d !== null,
  );
  const concerned = new Set([id, ...followingIds]);
  const deliveries = (await deps.deliveries.list({ rollout: name, limit: 1000 }))
    .filter((record) => concerned.has(record.decisionId))
    .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  const pack = EvidencePack.parse({
    generatedAt: deps.now(),
    rollout: name,
    decision,
    spec: {
      version: spec.version,
      createdAt: spec.createdAt,
      actor: spec.actor,
      approval: spec.spec.spec.approval,
      content: asWritten(spec),
    },
    approvals: approvals.map(auditEntryView),
    followingDecisions: following,
    deliveries,
  });
  return { pack, decision };
}
