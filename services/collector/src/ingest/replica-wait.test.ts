import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplicaWaitError, waitForReplicas } from './replica-wait.ts';

// WAIT on a standalone master (the Sentinel case): answered once the replica has the writes, refused
// in time when it is not there.

let master: TestRedis;
let replica: TestRedis;
let client: Redis;

beforeAll(async () => {
  master = await startRedis({ appendonly: false });
  replica = await startRedis({
    appendonly: false,
    extraArgs: ['--replicaof', '127.0.0.1', String(master.port)],
  });
  client = new Redis(master.url);
  const deadline = Date.now() + 20_000;
  while (!String(await client.info('replication')).includes('state=online')) {
    if (Date.now() > deadline) throw new Error('the replica was not online within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

afterAll(async () => {
  client.disconnect();
  await replica.stop();
  await master.stop();
});

describe('waitForReplicas', () => {
  it('returns once the replica has the writes', async () => {
    await client.set('k', 'v');
    await expect(waitForReplicas(client, ['k'], 1, 2_000)).resolves.toBeUndefined();
    const follower = new Redis(replica.url);
    expect(await follower.get('k')).toBe('v');
    follower.disconnect();
  });

  it('refuses, naming the setting, when fewer replicas confirm in time', async () => {
    await client.set('k', 'w');
    const error = await waitForReplicas(client, ['k'], 2, 200).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReplicaWaitError);
    expect((error as Error).message).toBe(
      'the batch reached 1 of the 2 replicas asked for (INGEST_WAIT_REPLICAS) within 200 ms',
    );
  });
});
