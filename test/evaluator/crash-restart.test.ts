import { enqueueEvaluate } from '@rollout-guard/shared/jobs';
import { operate, testSpec } from '@rollout-guard/shared/store';
import { describe, expect, it } from 'vitest';
import { addWaveCounts } from '../../services/evaluator/src/evaluator-test-kit.ts';
import { useEvaluatorProcesses } from './evaluator-processes.ts';

const ROLLOUTS = 50; // 50 advances + 50 rollbacks = 100 decisions
const KILLS = 4;

const suite = useEvaluatorProcesses({ redis: { appendonly: true } });

const names = Array.from({ length: ROLLOUTS }, (_, i) => `crash-${String(i).padStart(2, '0')}`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('an evaluator killed with kill -9 during 100 decisions, then restarted', () => {
  it('delivers every decision; a delivery repeats only when a kill cut its attempt short', async () => {
    for (const name of names) {
      await suite.store.putSpec({
        spec: testSpec(name, { receiver: suite.counter.receiver.url }),
        source: '',
        contentType: 'application/json',
        actor: 'ana',
      });
    }
    let evaluator = await suite.spawnEvaluator();
    const kills: number[] = [];
    const deliveredAtKills: number[] = [];
    // How many requests the receiver had once each killed evaluator was gone and before the next started.
    const receivedByRestarts: number[] = [];
    // Decisions keep coming while the evaluator is killed at random moments: starts, then breaches.
    const feeding = (async () => {
      for (const name of names) {
        await operate(suite.store, name, 'start', 'ana');
        await addWaveCounts(suite.redis, name, 1, {
          treatment: { errors_total: 500, requests_total: 5_000 },
        });
        await enqueueEvaluate(suite.queues.evaluate, name, 'data');
        await pause(20);
      }
    })();
    for (let i = 0; i < KILLS; i++) {
      const delay = 200 + Math.floor(Math.random() * 900);
      kills.push(delay);
      await pause(delay);
      deliveredAtKills.push(suite.counter.receiver.requests.length);
      evaluator.child.kill('SIGKILL');
      await evaluator.exited;
      // A request the dead evaluator wrote just before dying may still be in the receiver's socket.
      await pause(200);
      receivedByRestarts.push(suite.counter.receiver.requests.length);
      evaluator = await suite.spawnEvaluator();
    }
    await feeding;

    await expect
      .poll(
        () => suite.counter.countsByPath('/rollback').size + suite.counter.countsByPath('/advance').size,
        {
          timeout: 90_000,
          interval: 500,
        },
      )
      .toBe(2 * ROLLOUTS);
    await pause(2_000);

    // The kills landed in the middle of the work, not after it.
    expect(Math.min(...deliveredAtKills)).toBeLessThan(2 * ROLLOUTS);
    // A delivery is repeated only if a kill landed between the receiver answering and the delivery log
    // recording it (up to the deliver concurrency, 32, per kill); the repeat carries the same webhook-id, so
    // a receiver that deduplicates acts once. So between any two receipts of one delivery an evaluator died.
    const unexplained = suite.counter.duplicates().flatMap(([id]) => {
      const receipts = suite.counter.positionsOf(id);
      return receipts.slice(1).flatMap((second, i) => {
        const first = receipts[i] as number;
        const killBetween = receivedByRestarts.some((at) => first < at && at <= second);
        return killBetween ? [] : [{ id, first, second }];
      });
    });
    expect(
      unexplained,
      `kills after ${kills.join(', ')} ms; requests received by each restart ${receivedByRestarts.join(', ')}`,
    ).toEqual([]);
    expect(suite.counter.countsByPath('/rollback').size).toBe(ROLLOUTS);
    expect(suite.counter.countsByPath('/advance').size).toBe(ROLLOUTS);
    for (const name of names) {
      expect((await suite.store.getState(name))?.state.phase).toBe('rolled-back');
    }
    // A kill between enqueueing a delivery and clearing its outbox entry leaves the entry for the
    // sweeper (every 10 s, for entries older than 5 s): the outbox drains, if not at once.
    await expect
      .poll(async () => (await Promise.all(names.map((name) => suite.store.listOutbox(name)))).flat(), {
        timeout: 30_000,
        interval: 500,
      })
      .toEqual([]);
  }, 180_000);
});
