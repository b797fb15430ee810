/**
 * `pnpm start`: the collector and the evaluator together, as two child processes (as in
 * production), each with its own logs on this terminal. With REDIS_URL unset it first starts a
 * private redis-server from the PATH with its data under ./.data/redis (DATA_DIR overrides ./.data),
 * and stops it last. A service that exits on its own is restarted after a backoff (1 s, doubling to
 * 30 s, back to 1 s once it ran a minute), logged each time. SIGINT/SIGTERM stop everything in that
 * order; exit 0 when all stopped cleanly.
 * The services run as JavaScript built first (services/<name>/dist), or with RUN_FROM_SOURCE=1 as
 * TypeScript through tsx.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync } from 'node:fs';
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
import { prepareServices, type ServiceName, serviceArgs } from './build-services.ts';
import { SERVICE_ENVIRONMENT, SERVICE_NODE_FLAGS } from './service-node-flags.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const logger = createLogger({ service: 'start', level: process.env.LOG_LEVEL?.toLowerCase() || 'info' });

const NO_REDIS =
  'rollout-guard needs Redis 7: install redis-server (apt-get install redis-server, or brew install redis) or set REDIS_URL=redis://host:6379';

const SERVICES: readonly { name: ServiceName }[] = [{ name: 'collector' }, { name: 'evaluator' }];

// After a signal, the services get this long to stop before they are killed.
const STOP_DEADLINE_MS = 10_000;

// A service that exits on its own is started again after a backoff: a crash loop (Redis refusing
// the password, a port taken) retries every 30 s at most instead of spinning; a service that ran a
// minute before it died starts again at once.
const RESTART_FIRST_MS = 1000;
const RESTART_MAX_MS = 30_000;
const RESTART_RESET_AFTER_MS = 60_000;

/**
 * A `pnpm start` that was killed (SIGKILL, a closed terminal) leaves its redis-server running, in
 * its own process group. Two servers appending to one AOF would corrupt it, so stop the old one.
 */
async function stopLeftoverRedis(pidfile: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidfile, 'utf8').trim());
    // Only a redis-server: after a reboot the pid may belong to anything.
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server')) return;
  } catch {
    return; // no pidfile, or the process is gone (or no /proc: not Linux)
  }
  logger.warn({ redisPid: pid }, 'stopping a private redis-server left running by an earlier pnpm start');
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; waited < 5000; waited += 50) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server ${pid} (from an earlier pnpm start) did not stop; stop it, then start again`);
}

async function privateRedis(): Promise<RunningRedisServer | undefined> {
  const dir = join(resolve(root, process.env.DATA_DIR || '.data'), 'redis');
  const pidfile = join(dir, 'redis-server.pid');
  mkdirSync(dir, { recursive: true });
  await stopLeftoverRedis(pidfile);
  try {
    // Its own process group: Ctrl-C must not stop Redis before the services that still use it.
    const redis = await launchRedisServer({ port: await freePort(), dir, detached: true, pidfile });
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

/**
 * The variables the examples' `env:` references name (examples/*.yaml and PRODUCT.md), so a spec copied
 * from them applies as it is; SPEC_ENV_ALLOWED in the environment replaces the list.
 */
const EXAMPLE_ENV_ALLOWED =
  'ROLLBACK_SECRET,UNLEASH_TOKEN,PD_KEY,CHECKOUT_ROLLBACK_SECRET,VERDICT_SECRET,LD_API_TOKEN,PD_SEARCH_KEY';

function startService(service: (typeof SERVICES)[number], redisUrl: string): ChildProcess {
  return spawn(process.execPath, [...SERVICE_NODE_FLAGS[service.name], ...serviceArgs(service.name)], {
    cwd: root,
    // The project's service environment (service-node-flags.ts); a local stack talks to local receivers
    // (a webhook catcher, a Prometheus on this machine) and reads the examples' secrets. What the
    // environment sets still wins, EGRESS_ALLOW_LOOPBACK and SPEC_ENV_ALLOWED included.
    env: {
      ...SERVICE_ENVIRONMENT[service.name],
      EGRESS_ALLOW_LOOPBACK: 'true',
      SPEC_ENV_ALLOWED: EXAMPLE_ENV_ALLOWED,
      ...process.env,
      REDIS_URL: redisUrl,
    },
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
  // The services run as built JavaScript (scripts/build-services.ts): rebuilt on every start, in
  // well under a second, so what runs is always the checkout's code.
  const buildStarted = performance.now();
  await prepareServices();
  logger.debug({ ms: Math.round(performance.now() - buildStarted) }, 'services ready to run');

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
  let wakeSleepers: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    wakeSleepers = resolve;
  });
  const stopAll = (reason: string) => {
    if (stopping) return;
    stopping = true;
    wakeSleepers();
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

  // A service that dies on its own is started again (after a backoff), the others keep running:
  // a heap exhausted by one request must not stop the stack.
  const codes = await Promise.all(
    children.map(async (entry) => {
      let delayMs = RESTART_FIRST_MS;
      for (;;) {
        const startedAt = Date.now();
        const code = await exitCodeOf(entry.child);
        if (stopping) return code;
        if (Date.now() - startedAt >= RESTART_RESET_AFTER_MS) delayMs = RESTART_FIRST_MS;
        logger.error(
          { service: entry.service.name, code, restartInMs: delayMs },
          'a service exited on its own: restarting it',
        );
        await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, delayMs).unref())]);
        if (stopping) return code;
        delayMs = Math.min(delayMs * 2, RESTART_MAX_MS);
        entry.child = startService(entry.service, redisUrl);
        logger.info({ service: entry.service.name, childPid: entry.child.pid }, 'service restarted');
      }
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
