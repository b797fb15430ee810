import { checkpointJobId, deliverJobId } from '@rollout-guard/shared/jobs';
import { globalKeys, rolloutKeys } from '@rollout-guard/shared/redis';
import { bucketKey, DEFAULT_RETENTION, operate, tableBucket, testSpec } from '@rollout-guard/shared/store';
import { capturedLogger } from '@rollout-guard/shared/testing';
import { describe, expect, it } from 'vitest';
import { useEvaluatorTestBed } from '../evaluator-test-kit.ts';
import { sweepOutbox } from './sweep-outbox.ts';

const bed = useEvaluatorTestBed();

const HOUR = 3_600_000;
const putSpec = (name: string) =>
  bed.store.putSpec({ spec: testSpec(name), source: '', contentType: 'application/json', actor: 'ana' });

describe('outbox sweeper', () => {
  it('enqueues what an evaluator left in the outbox once, and leaves fresh entries to their evaluator', async () => {
    const receiver = await bed.startReceiver();
    const evaluator = await bed.startHandDrivenEvaluator();
    const spec = testSpec('orphan', { receiver: receiver.url });
    await bed.store.putSpec({ spec, source: '', contentType: 'application/json', actor: 'ana' });
    await bed.store.putSpec({
      spec: testSpec('fresh', { receiver: receiver.url }),
      source: '',
      contentType: 'application/json',
      actor: 'ana',
    });
    // As if the evaluator that applied these died before enqueueing: the decisions sit in the outbox.
    const orphaned = await operate(bed.store, 'orphan', 'start', 'ana', undefined, Date.now() - 10_000);
    await operate(bed.store, 'fresh', 'start', 'ana');
    if (!orphaned.ok) throw new Error('not started');
    const advance = orphaned.outbox.find((entry) => entry.kind === 'deliver')!;
    const timer = orphaned.outbox.find((entry) => entry.kind === 'schedule')!;

    expect(await sweepOutbox(evaluator.ctx)).toBe(2);
    expect(await sweepOutbox(evaluator.ctx)).toBe(0);
    expect(await bed.store.listOutbox('orphan')).toEqual([]);
    expect((await bed.store.listOutbox('fresh')).length).toBe(2);

    await expect.poll(() => receiver.requests.length, { timeout: 10_000 }).toBe(1);
    expect(receiver.requests[0]?.headers['webhook-id']).toBe(orphaned.decisions[0]?.id);
    const delayed = await evaluator.ctx.queues.checkpoint.getJob(checkpointJobId(timer.id));
    expect(delayed?.data).toMatchObject({ rollout: 'orphan', event: 'bake-elapsed', wave: 1 });
    expect(await evaluator.ctx.queues.deliver.getJob(deliverJobId(advance.id))).toBeDefined();
  });

  it('gives the settled buckets of an active rollout back their compact encoding', async () => {
    const evaluator = await bed.startHandDrivenEvaluator();
    await putSpec('gauged');
    await operate(bed.store, 'gauged', 'start', 'ana');
    const view = await bed.store.syncActive('gauged');
    const metric = view?.metrics[0] as string;
    // A 10 s bucket that ended 30 s ago, made a table by a large write as the ingest script does.
    const start = Math.floor((evaluator.ctx.now() - 40_000) / 10_000) * 10_000;
    const key = bucketKey('gauged', '10s', metric, 'treatment', start);
    await tableBucket(bed.redis, key, 200);
    expect(await bed.redis.object('ENCODING', key)).toBe('hashtable');

    await sweepOutbox(evaluator.ctx);
    expect(await bed.redis.object('ENCODING', key)).toBe('listpack');
    expect(await bed.redis.hlen(key)).toBe(200);
  });

  it('goes on with its other work when Redis refuses to compact, and says so once a sweep', async () => {
    // A Redis user whose ACL lacks RESTORE, as some deployments give the services.
    await bed.redis.call('ACL', 'SETUSER', 'no-restore', 'on', '>pw', '~*', '&*', '+@all', '-restore');
    const url = new URL(bed.server.url);
    url.username = 'no-restore';
    url.password = 'pw';
    const { logger, lines } = capturedLogger('evaluator');
    const evaluator = await bed.startHandDrivenEvaluator({
      redisUrl: url.toString(),
      log: logger,
    });
    for (const name of ['refused-a', 'refused-b']) {
      await putSpec(name);
      await operate(bed.store, name, 'start', 'ana', undefined, Date.now() - 10_000);
      const view = await bed.store.syncActive(name);
      const start = Math.floor((Date.now() - 40_000) / 10_000) * 10_000;
      const key = bucketKey(name, '10s', view?.metrics[0] as string, 'treatment', start);
      await tableBucket(bed.redis, key, 1);
      expect(await bed.redis.object('ENCODING', key)).toBe('hashtable');
    }

    // Both rollouts' orphaned outbox entries (an advance and a timer each) are still re-enqueued.
    expect(await sweepOutbox(evaluator.ctx)).toBe(4);
    const refusals = lines.filter((line) => line.msg.startsWith('finished buckets not compacted'));
    expect(refusals).toHaveLength(1);
  });
});

describe('audit log', () => {
  it('gets what a writer stored but did not copy from the sweep, and loses entries past retention', async () => {
    const evaluator = await bed.startHandDrivenEvaluator();
    await bed.store.putSpec({
      spec: testSpec('crashed'),
      source: '',
      contentType: 'application/json',
      actor: 'ana',
    });
    // As if a collector died between storing an operator's action with the state and copying it to the log.
    await evaluator.ctx.redis.xadd(
      rolloutKeys('crashed').audit,
      '*',
      'rev',
      '2',
      'entry',
      JSON.stringify({
        at: Date.now(),
        kind: 'transition',
        actor: 'ana',
        specVersion: 1,
        event: { type: 'pause', actor: 'ana', reason: 'checking' },
        from: null,
        to: null,
        decisions: [],
        summary: 'pause',
      }),
    );
    const read = () => bed.store.readAuditLog({ order: 'asc', limit: 10 });
    expect((await read()).entries.map((e) => e.event.type)).toEqual(['spec-stored']);
    await sweepOutbox(evaluator.ctx);
    expect((await read()).entries.map((e) => e.event.type)).toEqual(['spec-stored', 'pause']);
    await sweepOutbox(evaluator.ctx);
    expect((await read()).entries).toHaveLength(2);
  });
});

describe('delivery log retention', () => {
  it('is trimmed by the periodic sweep: ended deliveries past retention go, pending ones stay', async () => {
    // Retention of one second, a sweep every second (the test kit's): the scheduled sweep does the trimming.
    const evaluator = await bed.startEvaluator({ tickEveryMs: HOUR, deliveryLogRetentionMs: 1_000 });
    const log = evaluator.ctx.deliveryLog;
    const target = { format: 'standard', destination: 'hooks.example' };
    const entry = (id: string) => ({
      kind: 'deliver' as const,
      id,
      rollout: 'kept',
      decisionId: id.split('.')[0]!,
      webhook: 'rollout.rollback' as const,
      action: 'rollback' as const,
      targetIndex: 0,
      specVersion: 1,
      createdAt: Date.now() - HOUR,
    });
    await log.open(entry('ended.rollback.0'), target);
    await log.recordAttempt(
      'ended.rollback.0',
      { attempt: 1, at: Date.now(), status: 200, latencyMs: 3, responseExcerpt: 'ok', outcome: 'delivered' },
      { status: 'delivered', attempts: 1, lastAttemptAt: Date.now(), deliveredAt: Date.now() },
    );
    await log.open(entry('pending.rollback.0'), target);

    await expect.poll(() => log.get('ended.rollback.0'), { timeout: 10_000 }).toBeNull();
    expect(await log.attempts('ended.rollback.0')).toEqual([]);
    expect((await log.list({ rollout: 'kept' })).map((r) => [r.id, r.status])).toEqual([
      ['pending.rollback.0', 'pending'],
    ]);
  });
});

describe('rollout retention', () => {
  it('is trimmed by the periodic sweep, archived rollouts included', async () => {
    for (let i = 0; i < 3; i++) await putSpec('many-versions');
    for (let i = 0; i < 3; i++) await putSpec('archived-one');
    await bed.redis.smove(globalKeys.rollouts, globalKeys.archived, 'archived-one');
    await bed.startEvaluator({
      retention: { ...DEFAULT_RETENTION, specVersions: 1 },
      retentionEveryMs: 200,
      sweepEveryMs: 100,
    });
    const versions = async (name: string) => (await bed.store.listSpecVersions(name)).map((v) => v.version);
    await expect.poll(() => versions('many-versions'), { timeout: 10_000 }).toEqual([3]);
    await expect.poll(() => versions('archived-one'), { timeout: 10_000 }).toEqual([3]);
  });
});

describe('checkpoint timers', () => {
  it('extends an inconclusive bake with a new timer each time, up to maxBake, then says no-go', async () => {
    const receiver = await bed.startReceiver();
    const evaluator = await bed.startEvaluator({ tickEveryMs: HOUR });
    // No latency data ever arrives: the criterion stays inconclusive at every checkpoint.
    await bed.store.putSpec({
      spec: testSpec('extend', { receiver: receiver.url, bake: '1s' }),
      source: '',
      contentType: 'application/json',
      actor: 'ana',
    });
    await operate(bed.store, 'extend', 'start', 'ana');

    const verdicts = () =>
      receiver.requests
        .filter((r) => r.path === '/verdict')
        .map((r) => JSON.parse(r.body).data.verdict as string);
    await expect.poll(verdicts, { timeout: 15_000 }).toEqual(['inconclusive', 'inconclusive', 'no-go']);
    const timers = (
      await evaluator.ctx.queues.checkpoint.getJobs(['completed', 'delayed', 'waiting', 'active'])
    )
      .map((job) => job.data.dueAt)
      .sort();
    // The bake (1 s) and two extensions of half a bake each: three timers, each 500 ms after the last.
    expect(timers).toHaveLength(3);
    expect(timers[1]! - timers[0]!).toBe(500);
    expect(timers[2]! - timers[1]!).toBe(500);
    expect((await bed.store.getState('extend'))?.state.phase).toBe('paused');
  });
});
