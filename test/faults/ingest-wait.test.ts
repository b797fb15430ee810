import { createRedis, type RedisClient } from '@rollout-guard/shared/redis';
import { createRolloutStore, FIELD, operate, testSpec, waveTotalKey } from '@rollout-guard/shared/store';
import { startRedisCluster, type TestRedisCluster } from '@rollout-guard/shared/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  holdReplica,
  otlpCounters,
  replicaOf,
  type ServiceOnCluster,
  sendUntilAcknowledged,
  spawnService,
} from './cluster-kit.ts';

// Redis replicates asynchronously: a batch the collector acknowledged can die with its master before
// the replica has it. The replica is cut off the master's stream while batches arrive, then the master is killed:
// without INGEST_WAIT_REPLICAS the batches acknowledged meanwhile are gone; with it, none was
// acknowledged before a replica had it, and the sender's retries land on the promoted replica.

let cluster: TestRedisCluster | undefined;
let client: RedisClient | undefined;
const services: ServiceOnCluster[] = [];

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.process.kill()));
  client?.disconnect();
  await cluster?.stop();
  cluster = undefined;
});

/** Sends `before` batches, holds the replica for `during` more, kills the master; returns what was acknowledged and what Redis holds. */
async function failoverUnderIngest(waitReplicas: number) {
  cluster = await startRedisCluster(3, { replicas: 1 });
  client = createRedis(cluster.url, { role: 'worker', name: 'test' });
  const store = createRolloutStore(client);
  await store.putSpec({ spec: testSpec('acked'), source: '', contentType: 'application/json', actor: 'ana' });
  await operate(store, 'acked', 'start', 'ana');
  const collector = await spawnService('collector', cluster.url, {
    INGEST_WAIT_REPLICAS: String(waitReplicas),
    INGEST_WAIT_TIMEOUT_MS: '300',
  });
  services.push(collector);
  const collectors = [collector.url];
  const totalKey = waveTotalKey('acked', 1, 'requests_total', 'treatment');
  let acknowledged = 0;
  const send = async (requests: number) => {
    await sendUntilAcknowledged(collectors, otlpCounters({ on: { requests, errors: 0 } }), 90_000);
    acknowledged += requests;
  };

  for (let i = 1; i <= 5; i++) await send(i);
  const master = await cluster.masterOf(totalKey);
  const replica = await replicaOf(master, cluster.replicas);
  const resume = await holdReplica(master, replica);
  // Batches sent while the replica is held: acknowledged at once without WAIT, refused (503) with it.
  const held = [100, 200, 300].map((requests) => send(requests));
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await master.kill9();
  resume();
  // The old master comes back as the promoted replica's replica, so WAIT can be answered again.
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  await master.restart();
  await Promise.all(held);
  for (let i = 6; i <= 8; i++) await send(i);
  const stored = Number((await client.hget(totalKey, FIELD.counterIncrease)) ?? 0);
  return { acknowledged, stored };
}

describe('ingest across a master failover on a Redis Cluster with replicas', () => {
  it('loses acknowledged batches without INGEST_WAIT_REPLICAS (the documented window)', async () => {
    const { acknowledged, stored } = await failoverUnderIngest(0);
    expect(acknowledged).toBe(1 + 2 + 3 + 4 + 5 + 600 + 6 + 7 + 8);
    expect(stored).toBeLessThan(acknowledged);
  }, 120_000);

  it('loses nothing acknowledged, and counts nothing twice, with INGEST_WAIT_REPLICAS=1', async () => {
    const { acknowledged, stored } = await failoverUnderIngest(1);
    expect(stored).toBe(acknowledged);
  }, 120_000);
});
