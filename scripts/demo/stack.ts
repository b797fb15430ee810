import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort,
  launchRedisServer,
  RedisServerNotFoundError,
  type RunningRedisServer,
  stopRedisServer,
} from '../../packages/shared/src/redis/index.ts';

export const NO_REDIS =
  'the demo needs Redis 7: install redis-server (apt-get install redis-server, or brew install redis) or set REDIS_URL=redis://host:6379';

export interface StackOptions {
  /** The repository root: services are started from here. */
  root: string;
  /** Where the private Redis keeps its files and the services their logs; wiped at start. */
  dataDir: string;
  /** Use this Redis instead of a private one. */
  redisUrl?: string | undefined;
  /** The collector's port; 0 picks a free one. */
  collectorPort: number;
  /** Extra environment for both services (webhook secrets, log level). */
  env: Record<string, string>;
}

export interface Stack {
  readonly collectorUrl: string;
  readonly evaluatorUrl: string;
  readonly redisUrl: string;
  /** True when the demo started its own redis-server. */
  readonly privateRedis: boolean;
  readonly logDir: string;
  /** Settles when a service exits while the stack is meant to run (it resolves with a message). */
  readonly died: Promise<string>;
  /** SIGTERM to the services, then Redis; SIGKILL for what has not stopped after `deadlineMs`. */
  stop(deadlineMs?: number): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return once(child, 'exit').then(() => undefined);
}

async function waitReady(
  url: string,
  child: ChildProcess,
  name: string,
  logFile: string,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the ${name} exited before it was ready; its log: ${logFile}`);
    }
    const ok = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) }).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the ${name} was not ready at ${url}/readyz within ${timeoutMs} ms; its log: ${logFile}`);
}

/**
 * Redis (private unless `redisUrl`), the collector and the evaluator as child processes, each
 * service's JSON log written to a file so the terminal keeps the demo's timeline. Every process is
 * in its own process group: a terminal's Ctrl-C reaches only the demo, which stops them in order.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  rmSync(options.dataDir, { recursive: true, force: true });
  const logDir = join(options.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });

  let redis: RunningRedisServer | undefined;
  let redisUrl = options.redisUrl;
  if (redisUrl === undefined || redisUrl === '') {
    const dir = join(options.dataDir, 'redis');
    mkdirSync(dir, { recursive: true });
    try {
      redis = await launchRedisServer({ port: await freePort(), dir, detached: true, appendonly: false });
    } catch (error) {
      if (error instanceof RedisServerNotFoundError) throw new Error(NO_REDIS);
      throw error;
    }
    redisUrl = `redis://127.0.0.1:${redis.port}`;
  }

  const collectorPort = options.collectorPort === 0 ? await freePort() : options.collectorPort;
  const evaluatorPort = await freePort();
  const services = [
    {
      name: 'collector',
      entry: 'services/collector/src/main.ts',
      url: `http://127.0.0.1:${collectorPort}`,
      env: { PORT: String(collectorPort) },
    },
    {
      name: 'evaluator',
      entry: 'services/evaluator/src/main.ts',
      url: `http://127.0.0.1:${evaluatorPort}`,
      env: { HEALTH_PORT: String(evaluatorPort) },
    },
  ];
  const children: ChildProcess[] = [];
  let stopping = false;
  let reportDeath: (message: string) => void = () => undefined;
  const died = new Promise<string>((resolve) => {
    reportDeath = resolve;
  });

  const stop = async (deadlineMs = 10_000) => {
    stopping = true;
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => {
      for (const child of children) child.kill('SIGKILL');
    }, deadlineMs);
    await Promise.all(children.map(exited));
    clearTimeout(killer);
    if (redis !== undefined) await stopRedisServer(redis, 'SIGTERM');
  };

  try {
    for (const service of services) {
      const logFile = join(logDir, `${service.name}.log`);
      const log = createWriteStream(logFile);
      const child = spawn(process.execPath, ['--import', 'tsx', service.entry], {
        cwd: options.root,
        env: {
          ...process.env,
          HOST: '127.0.0.1',
          ...options.env,
          ...service.env,
          REDIS_URL: redisUrl,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
      child.once('exit', (code, signal) => {
        if (!stopping) reportDeath(`the ${service.name} exited (${signal ?? code}); its log: ${logFile}`);
      });
      children.push(child);
      await waitReady(service.url, child, service.name, logFile);
    }
  } catch (error) {
    await stop(3_000);
    throw error;
  }

  return {
    collectorUrl: services[0]?.url ?? '',
    evaluatorUrl: services[1]?.url ?? '',
    redisUrl,
    privateRedis: redis !== undefined,
    logDir,
    died,
    stop,
  };
}
