import { enqueueEvaluate } from '@rollout-guard/shared/jobs';
import { operate, testSpec } from '@rollout-guard/shared/store';
import { jsonLine, type SpawnedProcess } from '@rollout-guard/shared/testing';
import { describe, expect, it } from 'vitest';
import { addWaveCounts } from '../../services/evaluator/src/evaluator-test-kit.ts';
import { useEvaluatorProcesses } from './evaluator-processes.ts';

const ROLLOUTS = 200;

const suite = useEvaluatorProcesses({ env: { EVALUATOR_CONCURRENCY: '16' } });

const names = Array.from({ length: ROLLOUTS }, (_, i) => `svc-${String(i).padStart(3, '0')}`);

describe('two evaluator processes on one Redis', () => {
  it(`deliver each of ${ROLLOUTS} rollbacks (and the advances before them) exactly once`, async () => {
    const [a, b] = await Promise.all([suite.spawnEvaluator(), suite.spawnEvaluator()]);
    for (const name of names) {
      await suite.store.putSpec({
        spec: testSpec(name, { receiver: suite.counter.receiver.url }),
        source: '',
        contentType: 'application/json',
        actor: 'ana',
      });
      await operate(suite.store, name, 'start', 'ana');
    }
    // Every rollout breaches at once; both evaluators are told, as the collector would tell them.
    await Promise.all(
      names.map(async (name) => {
        await addWaveCounts(suite.redis, name, 1, {
          treatment: { errors_total: 500, requests_total: 5_000 },
        });
        await enqueueEvaluate(suite.queues.evaluate, name, 'data');
      }),
    );

    await expect
      .poll(() => suite.counter.countsByPath('/rollback').size, { timeout: 60_000, interval: 250 })
      .toBe(ROLLOUTS);
    await expect.poll(() => suite.counter.countsByPath('/advance').size, { timeout: 30_000 }).toBe(ROLLOUTS);
    // Ticks and sweeps keep running on both; nothing more may arrive.
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    expect(suite.counter.duplicates()).toEqual([]);
    expect([...suite.counter.countsByPath('/rollback').values()].every((n) => n === 1)).toBe(true);
    expect(suite.counter.countsByPath('/rollback').size).toBe(ROLLOUTS);
    expect(suite.counter.countsByPath('/advance').size).toBe(ROLLOUTS);
    const decisions = await Promise.all(names.map((name) => suite.store.listDecisions(name)));
    expect(decisions.flat().filter((d) => d.kind === 'rollback')).toHaveLength(ROLLOUTS);

    // Both processes took part: each logged decisions it applied.
    const decided = (p: SpawnedProcess) =>
      p.lines.filter((line) => jsonLine(line)?.decision !== undefined).length;
    expect(decided(a!)).toBeGreaterThan(0);
    expect(decided(b!)).toBeGreaterThan(0);
    expect(decided(a!) + decided(b!)).toBe(ROLLOUTS);
  }, 120_000);
});
