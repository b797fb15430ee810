import { describe, expect, it } from 'vitest';
import { auditKeys, rolloutKeys } from '../redis/keys.ts';
import type { AuditLogEntry } from './audit-log.ts';
import { createDeliveryLog } from './delivery-log.ts';
import { operate } from './operate.ts';
import { removeRollout } from './remove-rollout.ts';
import { useStoreSuite } from './store-test-kit.ts';
import { testSpec } from './test-rollouts.ts';

const suite = useStoreSuite();

async function create(name: string, actor = 'ana') {
  await suite.store.putSpec({ spec: testSpec(name), source: '', contentType: 'application/json', actor }, 1);
}

const brief = (entries: AuditLogEntry[]) =>
  entries.map((e) => `${e.rollout}:${e.kind}:${e.actor}:${e.event.type}`);

describe('the audit log', () => {
  it('holds every rollout’s entries in order, as their writers stored them', async () => {
    await create('alpha');
    await create('beta', 'bo');
    await operate(suite.store, 'alpha', 'start', 'ana', 'ship it', 10);
    await operate(suite.store, 'beta', 'approve', 'cy', 'too early', 20);
    await operate(suite.store, 'alpha', 'rollback', 'bo', 'support tickets', 30);

    const all = await suite.store.readAuditLog({ order: 'asc', limit: 100 });
    expect(brief(all.entries)).toEqual([
      'alpha:created:ana:spec-stored',
      'beta:created:bo:spec-stored',
      'alpha:transition:ana:start',
      'beta:refused:cy:approve',
      'alpha:transition:bo:rollback',
    ]);
    expect(all.latest).toBe(all.entries.at(-1)?.id);
    const rollback = all.entries.at(-1)!;
    expect(rollback.event).toMatchObject({ reason: 'support tickets' });
    expect(rollback.decisions).toHaveLength(1);
    expect(rollback.deliveries).toEqual([`${rollback.decisions[0]}.rollback.0`]);
    expect(rollback.specVersion).toBe(1);

    const alpha = await suite.store.readAuditLog({ rollout: 'alpha', order: 'desc', limit: 100 });
    expect(brief(alpha.entries)).toEqual([
      'alpha:transition:bo:rollback',
      'alpha:transition:ana:start',
      'alpha:created:ana:spec-stored',
    ]);
    // One id space: an entry has the same id in the feed and in its rollout's part.
    expect(alpha.entries.map((e) => e.id)).toEqual(
      all.entries
        .filter((e) => e.rollout === 'alpha')
        .map((e) => e.id)
        .reverse(),
    );
  });

  it('filters by kind and actor', async () => {
    await create('alpha');
    await operate(suite.store, 'alpha', 'start', 'ana', undefined, 10);
    await operate(suite.store, 'alpha', 'approve', 'cy', undefined, 20);
    await operate(suite.store, 'alpha', 'pause', 'cy', 'lunch', 30);
    const byCy = await suite.store.readAuditLog({ order: 'asc', limit: 10, actor: 'cy' });
    expect(brief(byCy.entries)).toEqual(['alpha:refused:cy:approve', 'alpha:transition:cy:pause']);
    const refusedOrCreated = await suite.store.readAuditLog({
      order: 'desc',
      limit: 10,
      kinds: ['refused', 'created'],
    });
    expect(brief(refusedOrCreated.entries)).toEqual([
      'alpha:refused:cy:approve',
      'alpha:created:ana:spec-stored',
    ]);
  });

  it('pages back by cursor to the first entry, and forward from a cursor to what is new', async () => {
    await create('alpha');
    for (const [i, action] of (['start', 'pause', 'resume', 'pause', 'resume'] as const).entries()) {
      await operate(suite.store, 'alpha', action, 'ana', `step ${i}`, 10 + i);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const read = await suite.store.readAuditLog({
        order: 'desc',
        limit: 2,
        ...(cursor === undefined ? {} : { cursor }),
      });
      seen.push(...read.entries.map((e) => e.event.type));
      if (read.next === null) break;
      cursor = read.next;
    }
    expect(seen).toEqual(['resume', 'pause', 'resume', 'pause', 'start', 'spec-stored']);

    const head = await suite.store.readAuditLog({ order: 'asc', limit: 100 });
    expect(head.next).toBe(head.latest);
    const nothingNew = await suite.store.readAuditLog({ order: 'asc', limit: 100, cursor: head.next! });
    expect(nothingNew).toMatchObject({ entries: [], next: head.next });
    await operate(suite.store, 'alpha', 'abort', 'bo', 'done', 99);
    const fresh = await suite.store.readAuditLog({ order: 'asc', limit: 100, cursor: head.next! });
    expect(brief(fresh.entries)).toEqual(['alpha:transition:bo:abort']);
  });

  it('reads at most the scan limit per page and says where to go on', async () => {
    await create('alpha');
    for (let i = 0; i < 6; i++)
      await operate(suite.store, 'alpha', i % 2 === 0 ? 'pause' : 'resume', 'ana', '', i);
    await operate(suite.store, 'alpha', 'start', 'zed', undefined, 50);
    const first = await suite.store.readAuditLog({ order: 'asc', limit: 5, actor: 'zed', scanLimit: 4 });
    expect(first.entries).toEqual([]);
    expect(first.next).not.toBeNull();
    const second = await suite.store.readAuditLog({
      order: 'asc',
      limit: 5,
      actor: 'zed',
      scanLimit: 4,
      cursor: first.next!,
    });
    expect(brief(second.entries)).toEqual(['alpha:transition:zed:start']);
  });

  it('outlives the rollout’s own keys', async () => {
    await create('gone');
    await operate(suite.store, 'gone', 'start', 'ana', 'ship it', 10);
    const own = await suite.redis.keys('rg:{gone}:*');
    await suite.redis.del(...own);
    await suite.redis.srem('rg:rollouts', 'gone');
    expect(await suite.store.getRollout('gone')).toBeNull();
    expect(await suite.store.hasAuditLog('gone')).toBe(true);
    expect(await suite.store.hasAuditLog('never')).toBe(false);
    const page = await suite.store.readAuditLog({ rollout: 'gone', order: 'asc', limit: 10 });
    expect(brief(page.entries)).toEqual(['gone:created:ana:spec-stored', 'gone:transition:ana:start']);
    const feed = await suite.store.readAuditLog({ order: 'asc', limit: 10 });
    expect(feed.entries).toHaveLength(2);
  });

  it('copies what a writer left uncopied once, however many copy it at the same time', async () => {
    await create('alpha');
    // A writer that stopped between its transition and copying it.
    await suite.redis.xadd(
      rolloutKeys('alpha').audit,
      '*',
      'rev',
      '7',
      'entry',
      JSON.stringify({
        at: 5,
        kind: 'transition',
        actor: 'ana',
        specVersion: 1,
        event: { type: 'pause', actor: 'ana' },
        from: null,
        to: null,
        decisions: [],
        summary: 'pause',
      }),
    );
    const copies = await Promise.all([1, 2, 3].map(() => suite.store.copyAudit('alpha')));
    expect(copies.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await suite.store.copyAudit('alpha')).toBe(0);
    const page = await suite.store.readAuditLog({ order: 'asc', limit: 10 });
    expect(brief(page.entries)).toEqual(['alpha:created:ana:spec-stored', 'alpha:transition:ana:pause']);
    expect(page.entries[1]?.rev).toBe(7);
  });

  it('records an entry without a transition', async () => {
    await create('alpha');
    await suite.store.appendAudit('alpha', {
      at: 9,
      kind: 'redelivery',
      actor: 'ana',
      specVersion: 1,
      event: { type: 'redeliver', actor: 'ana', delivery: 'd1.rollback.0', reason: 'receiver fixed' },
      from: null,
      to: null,
      decisions: ['d1'],
      deliveries: ['d1.rollback.0'],
      summary: 'redelivery asked for',
    });
    const page = await suite.store.readAuditLog({ rollout: 'alpha', order: 'desc', limit: 1 });
    expect(page.entries[0]).toMatchObject({
      kind: 'redelivery',
      deliveries: ['d1.rollback.0'],
      rollout: 'alpha',
    });
  });

  it('removes entries past the retention from the feed and every rollout’s copy', async () => {
    await create('alpha');
    await operate(suite.store, 'alpha', 'start', 'ana', undefined, 10);
    expect(await suite.store.trimAuditLog(Date.now())).toBe(0);
    expect(await suite.redis.xlen(auditKeys.feed)).toBe(2);
    // A year and a minute from now everything is past a year's retention.
    const removed = await suite.store.trimAuditLog(Date.now() + 365 * 86_400_000 + 60_000);
    expect(removed).toBe(4); // two in the feed, two in the rollout's copy
    expect(await suite.redis.xlen(auditKeys.feed)).toBe(0);
    expect(await suite.redis.xlen(auditKeys.rollout('alpha'))).toBe(0);
  });

  it('records a rollout’s deletion, and keeps its log after it', async () => {
    await create('done');
    await operate(suite.store, 'done', 'start', 'ana', undefined, 10);
    await operate(suite.store, 'done', 'abort', 'ana', 'not needed', 20);
    // Drained as an evaluator would.
    const outbox = await suite.store.listOutbox('done');
    await suite.store.removeOutbox(
      'done',
      outbox.map((entry) => entry.id),
    );
    const deliveries = createDeliveryLog(suite.redis);
    const removed = await removeRollout(suite.redis, deliveries, {
      name: 'done',
      mode: 'delete',
      actor: 'bo',
      reason: 'cleanup',
      auditRetentionMs: 86_400_000,
    });
    expect(removed.ok).toBe(true);
    expect(await suite.store.getRollout('done')).toBeNull();
    const page = await suite.store.readAuditLog({ rollout: 'done', order: 'desc', limit: 1 });
    expect(page.entries[0]).toMatchObject({
      kind: 'deleted',
      actor: 'bo',
      rollout: 'done',
      summary: 'deleted by bo: cleanup',
    });
  });
});
