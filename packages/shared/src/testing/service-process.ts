import { afterAll, afterEach, beforeAll } from 'vitest';
import { type SpawnedProcess, spawnTs } from './spawn-process.ts';
import { startRedis, type TestRedis } from './start-redis.ts';

/** A suite about one service's entry point: its Redis, and the processes it starts of that entry. */
export interface ServiceProcessSuite {
  /** The suite's own redis-server (AOF on, so it survives `kill9()` and `restart()`). */
  readonly redis: TestRedis;
  /**
   * Starts the entry point with the caller's environment plus `env`; an inherited REDIS_URL is dropped,
   * so a process reaches only the Redis the test names. Killed after the test if still running.
   */
  start(env: Record<string, string>): SpawnedProcess;
}

/**
 * Registers the hooks of a suite that runs a service's `main.ts` as a real process: a redis-server for the
 * suite, and every process a test started killed after it. Call it inside the suite's `describe`.
 */
export function useServiceProcesses(entry: string, cwd: string): ServiceProcessSuite {
  let redis: TestRedis | undefined;
  const processes: SpawnedProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.kill()));
  });
  afterAll(async () => {
    await redis?.stop();
  });
  return {
    get redis() {
      if (redis === undefined) throw new Error('the suite starts its Redis in beforeAll: use it in a test');
      return redis;
    },
    start(env) {
      const { REDIS_URL: _ignored, ...inherited } = process.env;
      const started = spawnTs({ args: [entry], cwd, env: { ...inherited, ...env } });
      processes.push(started);
      return started;
    },
  };
}
