import { fileURLToPath } from 'node:url';
import { closeQueues, createQueues, type Queues } from '@rollout-guard/shared/jobs';
import {
  freePort,
  jsonLine,
  type SpawnedProcess,
  type StartRedisOptions,
  spawnTs,
} from '@rollout-guard/shared/testing';
import {
  startTestStore,
  type TestStore,
  useSuiteFixture,
} from '../../services/evaluator/src/evaluator-test-kit.ts';
import { startWebhookCounter, type WebhookCounter } from './webhook-counter.ts';

const main = fileURLToPath(new URL('../../services/evaluator/src/main.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

/** A suite's Redis, store, queues and webhook counter, and the evaluator processes it spawns on them. */
export interface EvaluatorProcesses extends TestStore {
  readonly queues: Queues;
  readonly counter: WebhookCounter;
  /** Spawns the evaluator's entry point on the suite's Redis; resolves once its health server listens. */
  spawnEvaluator(): Promise<SpawnedProcess>;
}

export interface EvaluatorProcessesOptions {
  readonly redis?: StartRedisOptions;
  /** Further environment for every evaluator spawned (it already gets REDIS_URL, HEALTH_PORT, TICK_MS). */
  readonly env?: Record<string, string>;
}

/**
 * For a file of multi-process evaluator tests: everything is started before its tests and, after them, the
 * evaluators are killed, then the counter, queues and Redis are closed in that order.
 */
export function useEvaluatorProcesses(options: EvaluatorProcessesOptions = {}): EvaluatorProcesses {
  return useSuiteFixture(async () => {
    const base = await startTestStore(options.redis);
    const queues = createQueues({ connection: base.redis });
    const counter = await startWebhookCounter();
    const evaluators: SpawnedProcess[] = [];
    return {
      ...base,
      queues,
      counter,
      async spawnEvaluator() {
        const { REDIS_URL: _ignored, ...inherited } = process.env;
        const evaluator = spawnTs({
          args: [main],
          cwd: root,
          env: {
            ...inherited,
            REDIS_URL: base.server.url,
            HEALTH_PORT: String(await freePort()),
            LOG_LEVEL: 'info',
            TICK_MS: '500',
            ...options.env,
          },
        });
        evaluators.push(evaluator);
        await evaluator.waitForLine(
          (line) => jsonLine(line)?.msg === 'evaluator health server listening',
          20_000,
        );
        return evaluator;
      },
      async stop() {
        await Promise.all(evaluators.map((evaluator) => evaluator.kill()));
        await counter.close();
        await closeQueues(queues);
        await base.stop();
      },
    };
  });
}
