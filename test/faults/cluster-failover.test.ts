import { closeQueues, createQueues, jobNames } from '@rollout-guard/shared/jobs';
import { createRedis, type RedisClient } from '@rollout-guard/shared/redis';
import { createRolloutStore, operate, type RolloutStore, testSpec } from '@rollout-guard/shared/store';
import { startRedisCluster, type TestRedisCluster } from '@rollout-guard/shared/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startWebhookCounter, type WebhookCounter } from '../evaluator/webhook-counter.ts';
import { otlpCounters, type ServiceOnCluster, sendUntilAcknowledged, spawnService } from './cluster-kit.ts';

// Two collectors and two evaluators on a Redis Cluster of three masters with a replica each, under a
// steady stream of OTLP exports. Mid-run the master serving the job queues is killed and its replica
// takes over. Every rollout's decisions (the advance that started it, the rollback its breach causes
// after the failover) must each be made once, and each delivered at least once under its own id.

const ROLLOUTS = 12;
const names = Array.from({ length: ROLLOUTS }, (_, i) => `failover-${String(i).padStart(2, '0')}`);

let cluster: TestRedisCluster;
let client: RedisClient;
let store: RolloutStore;
let counter: WebhookCounter;
const services: ServiceOnCluster[] = [];

/** A fresh cluster, store client and receiver for one attempt of the test, stopped when it ends. */
async function startStack(): Promise<void> {
  services.length = 0;
  cluster = await startRedisCluster(3, { replicas: 1 });
  client = createRedis(cluster.url, { role: 'worker', name: 'test' });
  store = createRolloutStore(client);
  counter = await startWebhookCounter();
  onTestFinished(async () => {
    await Promise.all(services.map((service) => service.process.kill()));
    await counter.close();
    client.disconnect();
    await cluster.stop();
  });
}

/** Jobs of each queue by state, for a failure's message: where the work stopped. */
async function queueCounts(): Promise<string[]> {
  const queues = createQueues({ connection: client });
  try {
    return await Promise.all(
      jobNames.map(async (name) => `${name}: ${JSON.stringify(await queues[name].getJobCounts())}`),
    );
  } finally {
    await closeQueues(queues);
  }
}

/** Webhooks received at `path`: each id with the bodies' `data` it came with. */
function received(path: string): Map<string, string[]> {
  const byId = new Map<string, string[]>();
  for (const request of counter.receiver.requests) {
    if (request.path !== path) continue;
    const id = request.headers['webhook-id'] ?? '(none)';
    const { data } = JSON.parse(request.body) as { data: unknown };
    byId.set(id, [...(byId.get(id) ?? []), JSON.stringify(data)]);
  }
  return byId;
}

describe('a master failover under load on a Redis Cluster with replicas', () => {
  // An idle worker's blocking connection (the deliver queue's, here) can wedge when the master it waits
  // on dies; the evaluator's worker watchdog replaces it (workers/worker-watchdog.ts), so rollbacks decided
  // after the failover are delivered within about 20 s of it.
  it('loses no decision, makes none twice, and delivers each under one id', {
    timeout: 300_000,
  }, async () => {
    await startStack();
    for (const service of ['evaluator', 'evaluator', 'collector', 'collector'] as const) {
      services.push(await spawnService(service, cluster.url));
    }
    const collectors = services.slice(2).map((service) => service.url);
    for (const name of names) {
      await store.putSpec({
        spec: testSpec(name, { receiver: counter.receiver.url }),
        source: '',
        contentType: 'application/json',
        actor: 'ana',
      });
      await operate(store, name, 'start', 'ana');
    }
    await expect.poll(() => received('/advance').size, { timeout: 30_000 }).toBe(ROLLOUTS);

    // A steady stream of exports, every point matching every rollout; healthy until `breach`.
    let breach = false;
    let sending = true;
    let exports = 0;
    const load = (async () => {
      while (sending) {
        const errors = breach ? 800 : 5;
        await sendUntilAcknowledged(
          collectors,
          otlpCounters({ on: { requests: 5_000, errors }, off: { requests: 5_000, errors: 5 } }),
        );
        exports++;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const queuesMaster = await cluster.masterOf('{rollout-guard}:evaluate');
    await queuesMaster.kill9();
    const exportsAtKill = exports;
    // The replica takes over after the cluster's node timeout (2 s); the load goes on through it.
    await expect
      .poll(() => cluster.masterOf('{rollout-guard}:evaluate'), { timeout: 30_000, interval: 500 })
      .not.toBe(queuesMaster);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    breach = true;

    await expect
      .poll(() => received('/rollback').size, { timeout: 90_000, interval: 250 })
      .toBe(ROLLOUTS)
      .catch(async (error: unknown) => {
        // Which rollouts are missing and where they stand, with what the services logged last.
        const standing: string[] = [];
        for (const name of names) {
          const state = (await store.getState(name))?.state;
          standing.push(`${name}: ${state?.phase} ${JSON.stringify(state?.guardrails)}`);
        }
        const logged = services.flatMap((service) => service.process.lines.slice(-15));
        const queues = await queueCounts();
        throw new Error([(error as Error).message, ...standing, ...queues, ...logged].join('\n'));
      });
    sending = false;
    await load;
    // Ticks and sweeps keep running on both evaluators: nothing more may be decided.
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    expect(exports).toBeGreaterThan(exportsAtKill);
    const advances = received('/advance');
    const rollbacks = received('/rollback');
    for (const name of names) {
      const decisions = await store.listDecisions(name);
      const kinds = decisions.map((decision) => decision.kind).sort();
      expect(kinds, name).toEqual(['advance', 'rollback']);
      for (const decision of decisions) {
        const deliveries = (decision.kind === 'advance' ? advances : rollbacks).get(decision.id);
        // Delivered at least once, and every delivery under this id carries this one decision.
        expect(deliveries?.length ?? 0, `${name} ${decision.kind}`).toBeGreaterThanOrEqual(1);
        expect(new Set(deliveries).size, `${name} ${decision.kind}`).toBe(1);
        expect(JSON.parse(deliveries![0]!)).toMatchObject({ decisionId: decision.id, rollout: name });
      }
    }
    // No webhook for a decision that is not on record.
    expect(advances.size).toBe(ROLLOUTS);
    expect(rollbacks.size).toBe(ROLLOUTS);
    for (const service of services) expect(service.process.child.exitCode).toBeNull();
  });
});
