import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import {
  freePort,
  launchRedisServer,
  RedisServerNotFoundError,
  type RunningRedisServer,
  stopRedisServer,
} from '../../packages/shared/src/redis/index.ts';
import { prepareServices, type ServiceName, serviceArgs } from '../build-services.ts';
import { SERVICE_ENVIRONMENT, SERVICE_NODE_FLAGS } from '../service-node-flags.ts';

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
  /** Which services to run (default both; the ingest benchmark runs the collector alone). */
  services?: readonly ServiceName[];
  /** Node flags per service after `SERVICE_NODE_FLAGS`, which they override (the benchmarks pass --cpu-prof when asked to profile). */
  nodeArgs?: Partial<Record<ServiceName, readonly string[]>>;
  /** Keep an append-only file, fsynced every second (the benchmarks' durability); default: memory only. */
  appendOnly?: boolean;
}

export interface Stack {
  readonly collectorUrl: string;
  readonly evaluatorUrl: string;
  readonly redisUrl: string;
  /** True when the demo started its own redis-server. */
  readonly privateRedis: boolean;
  readonly logDir: string;
  /** Process ids of the running services, by name (the benchmarks sample their RSS). */
  readonly pids: Readonly<Record<string, number>>;
  /** The private redis-server's pid, if the stack started one. */
  readonly redisPid: number | undefined;
  /** Settles when a service exits while the stack is meant to run (it resolves with a message). */
  readonly died: Promise<string>;
  /** SIGTERM to the services, then Redis; SIGKILL for what has not stopped after `deadlineMs`. */
  stop(deadlineMs?: number): Promise<void>;
}

/** One command over raw RESP (no client library needed for a single CONFIG SET). */
function redisCommand(port: number, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (!reply.includes('\r\n')) return;
      socket.destroy();
      if (reply.startsWith('-')) reject(new Error(`redis ${args.join(' ')}: ${reply.trim()}`));
      else resolve(reply.trim());
    });
  });
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
  // The services run as built JavaScript, rebuilt here in well under a second (scripts/build-services.ts).
  await prepareServices();
  rmSync(options.dataDir, { recursive: true, force: true });
  const logDir = join(options.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });

  let redis: RunningRedisServer | undefined;
  let redisUrl = options.redisUrl;
  if (redisUrl === undefined || redisUrl === '') {
    const dir = join(options.dataDir, 'redis');
    mkdirSync(dir, { recursive: true });
    try {
      redis = await launchRedisServer({
        port: await freePort(),
        dir,
        detached: true,
        appendonly: options.appendOnly ?? false,
      });
      // launchRedisServer fsyncs every write (its tests kill -9 Redis); production's usual setting is every second.
      if (options.appendOnly) await redisCommand(redis.port, ['CONFIG', 'SET', 'appendfsync', 'everysec']);
    } catch (error) {
      if (error instanceof RedisServerNotFoundError) throw new Error(NO_REDIS);
      throw error;
    }
    redisUrl = `redis://127.0.0.1:${redis.port}`;
  }

  const collectorPort = options.collectorPort === 0 ? await freePort() : options.collectorPort;
  const evaluatorPort = await freePort();
  const wanted: readonly ServiceName[] = options.services ?? ['collector', 'evaluator'];
  const services = [
    {
      name: 'collector' as const,
      url: `http://127.0.0.1:${collectorPort}`,
      env: { PORT: String(collectorPort) },
    },
    {
      name: 'evaluator' as const,
      url: `http://127.0.0.1:${evaluatorPort}`,
      env: { HEALTH_PORT: String(evaluatorPort) },
    },
  ].filter((service) => wanted.includes(service.name));
  const children: ChildProcess[] = [];
  const pids: Record<string, number> = {};
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
      const nodeArgs = [...SERVICE_NODE_FLAGS[service.name], ...(options.nodeArgs?.[service.name] ?? [])];
      const child = spawn(process.execPath, [...nodeArgs, ...serviceArgs(service.name)], {
        cwd: options.root,
        env: {
          ...SERVICE_ENVIRONMENT[service.name],
          ...process.env,
          HOST: '127.0.0.1',
          // The demo's receivers (webhooks, flag service, Prometheus) are on this machine.
          EGRESS_ALLOW_LOOPBACK: 'true',
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
      if (child.pid !== undefined) pids[service.name] = child.pid;
      await waitReady(service.url, child, service.name, logFile);
    }
  } catch (error) {
    await stop(3_000);
    throw error;
  }

  return {
    collectorUrl: `http://127.0.0.1:${collectorPort}`,
    evaluatorUrl: `http://127.0.0.1:${evaluatorPort}`,
    pids,
    redisPid: redis?.child.pid,
    redisUrl,
    privateRedis: redis !== undefined,
    logDir,
    died,
    stop,
  };
}
