import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../redis/free-port.ts';
import {
  launchRedisServer,
  type RedisServerOptions,
  type RunningRedisServer,
  stopRedisServer,
} from '../redis/redis-server.ts';

/** A throwaway redis-server owned by one test suite. */
export interface TestRedis {
  url: string;
  port: number;
  /** Its own temp directory: the AOF lives here, removed by `stop()`. */
  dir: string;
  /** Stops the server for good and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
  /** `kill -9`: the process dies without a chance to flush. The data directory stays. */
  kill9(): Promise<void>;
  /** Starts it again on the same port with the same directory (stops it gracefully first if up). */
  restart(): Promise<void>;
  flushAll(): Promise<void>;
}

export interface StartRedisOptions {
  /** AOF on (default) so that `kill9()` then `restart()` keeps every acknowledged write. */
  appendonly?: boolean;
  /** Contents of a config file written into its directory and read first (Sentinel rewrites it). */
  config?: string;
  /** Further redis-server arguments (`--sentinel`, `--cluster-enabled yes`…). */
  extraArgs?: string[];
}

const running = new Set<RunningRedisServer>();
const dirs = new Set<string>();

// A suite that forgets stop(), or a worker that exits on a failed assertion, must not leave a
// redis-server behind: the exit hook kills what is still running and removes its directory.
process.once('exit', () => {
  for (const server of running) server.child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * get-port only says a port was free a moment ago; another suite may take it first, so retry.
 */
export async function launchOnFreePort(
  options: Omit<RedisServerOptions, 'port'>,
): Promise<RunningRedisServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchRedisServer({ ...options, port: await freePort() });
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }
}

/**
 * Starts `redis-server` from the PATH on a free loopback port with its own temp dir, and resolves
 * once it answers PING. It never touches the machine's own Redis.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<TestRedis> {
  const appendonly = options.appendonly ?? true;
  const dir = mkdtempSync(join(tmpdir(), 'rollout-guard-redis-'));
  dirs.add(dir);
  const configFile = options.config === undefined ? undefined : join(dir, 'redis.conf');
  if (configFile !== undefined) writeFileSync(configFile, options.config ?? '');
  const launchOptions: Omit<RedisServerOptions, 'port'> = {
    dir,
    appendonly,
    ...(configFile === undefined ? {} : { configFile }),
    ...(options.extraArgs === undefined ? {} : { extraArgs: options.extraArgs }),
  };

  let server: RunningRedisServer;
  try {
    server = await launchOnFreePort(launchOptions);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
    throw error;
  }
  running.add(server);
  let current: RunningRedisServer | undefined = server;
  const port = server.port;
  const url = `redis://127.0.0.1:${port}`;

  const halt = async (signal: NodeJS.Signals) => {
    if (current === undefined) return;
    await stopRedisServer(current, signal);
    running.delete(current);
    current = undefined;
  };

  return {
    url,
    port,
    dir,
    async stop() {
      await halt('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
    async kill9() {
      await halt('SIGKILL');
    },
    async restart() {
      await halt('SIGTERM');
      current = await launchRedisServer({ ...launchOptions, port });
      running.add(current);
    },
    async flushAll() {
      const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await client.connect();
        await client.flushall();
      } finally {
        client.disconnect();
      }
    },
  };
}
