/**
 * `pnpm start`: the collector and the evaluator together, as two child processes (as in
 * production), each with its own logs on this terminal. With REDIS_URL unset it first starts a
 * private redis-server from the PATH with its data under ./.data/redis (DATA_DIR overrides ./.data),
 * and stops it last. SIGINT/SIGTERM stop everything in that order; exit 0 when all stopped cleanly.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../packages/shared/src/observability/index.ts';
import {
  freePort,
  launchRedisServer,
  RedisServerNotFoundError,
  type RunningRedisServer,
  redact,
  stopRedisServer,
} from '../packages/shared/src/redis/index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const logger = createLogger({ service: 'start', level: process.env.LOG_LEVEL?.toLowerCase() || 'info' });

const NO_REDIS =
  'rollout-guard needs Redis 7: install redis-server (apt-get install redis-server, or brew install redis) or set REDIS_URL=redis://host:6379';

const SERVICES = [
  { name: 'collector', entry: 'services/collector/src/main.ts' },
  { name: 'evaluator', entry: 'services/evaluator/src/main.ts' },
] as const;

// After a signal, the services get this long to stop before they are killed.
const STOP_DEADLINE_MS = 10_000;

async function privateRedis(): Promise<RunningRedisServer | undefined> {
  const dir = join(resolve(root, process.env.DATA_DIR || '.data'), 'redis');
  mkdirSync(dir, { recursive: true });
  try {
    // Its own process group: Ctrl-C must not stop Redis before the services that still use it.
    const redis = await launchRedisServer({ port: await freePort(), dir, detached: true });
    logger.info(
      { port: redis.port, dir, redisPid: redis.child.pid },
      'REDIS_URL is not set: started a private redis-server (append-only file in dir); set REDIS_URL to use your own',
    );
    return redis;
  } catch (error) {
    if (error instanceof RedisServerNotFoundError) return undefined;
    throw error;
  }
}

function startService(service: (typeof SERVICES)[number], redisUrl: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', service.entry], {
    cwd: root,
    env: { ...process.env, REDIS_URL: redisUrl },
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
}

function exitCodeOf(child: ChildProcess): Promise<number> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(1);
  return once(child, 'exit').then(([code]) => (typeof code === 'number' ? code : 1));
}

async function main(): Promise<number> {
  let redis: RunningRedisServer | undefined;
  let redisUrl = process.env.REDIS_URL;
  if (redisUrl === undefined || redisUrl === '') {
    redis = await privateRedis();
    if (redis === undefined) {
      process.stderr.write(`${NO_REDIS}\n`);
      return 1;
    }
    redisUrl = `redis://127.0.0.1:${redis.port}`;
  } else {
    logger.info({ redis: redact(redisUrl) }, 'using REDIS_URL');
  }

  const children = SERVICES.map((service) => ({ service, child: startService(service, redisUrl) }));
  let stopping = false;
  const stopAll = (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping the services, then Redis');
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGTERM');
    setTimeout(() => {
      logger.error({ deadlineMs: STOP_DEADLINE_MS }, 'services did not stop in time: killing them');
      for (const { child } of children) child.kill('SIGKILL');
    }, STOP_DEADLINE_MS).unref();
  };
  // A terminal sends Ctrl-C to every process of the group (pnpm, tsx, this one): the first signal
  // starts the ordered stop, repeats are ignored rather than turned into a hard kill.
  process.on('SIGINT', () => stopAll('SIGINT'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));

  // A service that dies on its own takes the whole command down: half a system is worse than none.
  const codes = await Promise.all(
    children.map(async ({ service, child }) => {
      const code = await exitCodeOf(child);
      if (!stopping) {
        logger.error({ service: service.name, code }, 'a service exited on its own: stopping the rest');
        stopAll(`${service.name} exited`);
      }
      return code;
    }),
  );

  if (redis !== undefined) {
    await stopRedisServer(redis, 'SIGTERM');
    logger.info('private redis-server stopped');
  }
  const clean = codes.every((code) => code === 0);
  logger.info(
    { exitCodes: Object.fromEntries(children.map(({ service }, i) => [service.name, codes[i]])) },
    'stopped',
  );
  return clean ? 0 : 1;
}

process.exitCode = await main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'start failed');
  return 1;
});
