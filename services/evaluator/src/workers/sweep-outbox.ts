import { type ActiveRollout, compactSettledBuckets, trimRetention } from '@rollout-guard/shared/store';
import type { WorkerContext } from './context.ts';
import { dispatchOutbox } from './dispatch.ts';
import { syncPromqlSchedulers } from './poll-promql.ts';

/** Entries younger than this are left to the evaluator that stored them; older ones are assumed orphaned. */
export const ORPHAN_AFTER_MS = 5_000;

/**
 * Trims every rollout's record, archived ones included, to the retention (audit, decisions, spec
 * versions, series states); each call does a bounded amount per rollout, and the next goes on.
 */
async function trimRollouts(ctx: WorkerContext, now: number): Promise<void> {
  const archived = await ctx.store.listArchived();
  // The sweep below copies active rollouts' audit entries; an archived one's last entry is copied here.
  for (const name of archived) await ctx.store.copyAudit(name);
  for (const name of [...(await ctx.store.listRollouts()), ...archived]) {
    const trimmed = await trimRetention(ctx.redis, name, ctx.retention.policy, now);
    if (Object.values(trimmed).some((count) => count > 0)) {
      ctx.log.info({ rollout: name, ...trimmed }, 'records past retention removed');
    }
  }
}

/**
 * Memory only: a Redis refusing the rewrite (a user whose ACL lacks `DUMP` or `RESTORE`, a write over
 * maxmemory) must not stop the sweep's other work. The first refusal ends compaction for this sweep,
 * with one log line, not one per rollout. Returns whether to go on compacting.
 */
async function compactBuckets(ctx: WorkerContext, view: ActiveRollout, now: number): Promise<boolean> {
  try {
    await compactSettledBuckets(ctx.redis, view, now);
    return true;
  } catch (error) {
    ctx.log.warn(
      { rollout: view.name, err: error },
      'finished buckets not compacted in this sweep (they keep working, in more memory); the next sweep tries again',
    );
    return false;
  }
}

/**
 * Re-enqueues outbox entries whose evaluator died between storing a decision and enqueueing its jobs,
 * repairs the collector's matcher view of each rollout and the PromQL polling schedule, gives the buckets
 * each active rollout's ingest has finished writing their compact encoding back, copies audit entries
 * a writer stored but did not copy to the audit log, removes audit entries past their retention, and trims the
 * delivery log of deliveries that ended longer ago than its retention (at most 1,000 per sweep: a sweep
 * runs every 10 s, far more often than webhooks are sent). Racing a live evaluator is harmless: job ids are
 * the delivery and timer ids, so the second enqueue adds nothing, and a trim removes a record only if it
 * is unchanged since it was judged old.
 */
export async function sweepOutbox(ctx: WorkerContext): Promise<number> {
  const now = ctx.now();
  let swept = 0;
  let compacting = true;
  for (const rollout of await ctx.store.listRollouts()) {
    const orphans = (await ctx.store.listOutbox(rollout)).filter(
      (entry) => now - entry.createdAt >= ORPHAN_AFTER_MS,
    );
    if (orphans.length > 0) {
      ctx.log.warn(
        { rollout, entries: orphans.map((entry) => entry.id) },
        'outbox entries re-enqueued by the sweeper',
      );
      await dispatchOutbox(ctx, rollout, orphans);
      swept += orphans.length;
    }
    const view = await ctx.store.syncActive(rollout);
    if (view !== null && compacting) compacting = await compactBuckets(ctx, view, now);
    const copied = await ctx.store.copyAudit(rollout);
    if (copied > 0)
      ctx.log.warn({ rollout, entries: copied }, 'audit entries copied to the log by the sweeper');
  }
  await syncPromqlSchedulers(ctx);
  const expired = await ctx.store.trimAuditLog(now);
  if (expired > 0) ctx.log.info({ entries: expired }, 'audit entries past retention removed from the log');
  const trimmed = await ctx.deliveryLog.trim({ now });
  if (trimmed > 0)
    ctx.log.info({ deliveries: trimmed }, 'ended deliveries past retention removed from the log');
  if (now >= ctx.retention.nextAt) {
    ctx.retention.nextAt = now + ctx.retention.everyMs;
    await trimRollouts(ctx, now);
  }
  return swept;
}
