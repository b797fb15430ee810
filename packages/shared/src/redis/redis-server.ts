import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';

/**
 * Runs a `redis-server` binary from the PATH as a child process. Used by `pnpm start` (a private
 * Redis when REDIS_URL is unset) and by the test harness; production points REDIS_URL at a real one.
 */
export interface RedisServerOptions {
  port: number;
  /** Working directory: the AOF and RDB files live here. */
  dir: string;
  /** Append-only file on (the default), so a restart after `kill -9` keeps every acknowledged write. */
  appendonly?: boolean;
  /** Defaults to loopback: a private Redis has no password and must not be reachable from outside. */
  bind?: string;
  /** The binary to run; defaults to `redis-server` from the PATH. */
  command?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Its own process group, so a terminal's Ctrl-C reaches only the parent, which stops the
   * services first and Redis last (`pnpm start`).
   */
  detached?: boolean;
  /** Where redis-server writes its pid, so a later run can find one left behind. */
  pidfile?: string;
  /** A config file read first (Sentinel needs one it can rewrite). */
  configFile?: string;
  /** Further arguments, e.g. `--sentinel` or `--cluster-enabled yes`. */
  extraArgs?: string[];
}

export interface RunningRedisServer {
  child: ChildProcess;
  port: number;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<number | NodeJS.Signals>;
  /** The last lines redis-server printed, to explain a failed start. */
  output(): string;
}

export class RedisServerNotFoundError extends Error {
  override name = 'RedisServerNotFoundError';
}

export function redisServerArgs(options: RedisServerOptions): string[] {
  const appendonly = options.appendonly ?? true;
  return [
    ...(options.configFile === undefined ? [] : [options.configFile]),
    '--port',
    String(options.port),
    '--bind',
    options.bind ?? '127.0.0.1',
    '--dir',
    options.dir,
    '--appendonly',
    appendonly ? 'yes' : 'no',
    // fsync on every write: a kill -9 must not lose what Redis acknowledged (tests assert it).
    '--appendfsync',
    'always',
    // No RDB snapshots: the AOF is the one source of durability, and snapshots only cost I/O.
    '--save',
    '',
    '--daemonize',
    'no',
    '--protected-mode',
    'no',
    '--logfile',
    '',
    ...(options.pidfile === undefined ? [] : ['--pidfile', options.pidfile]),
    ...(options.extraArgs ?? []),
  ];
}

/** Starts redis-server and resolves once it answers PING; rejects with its output if it dies first. */
export async function launchRedisServer(
  options: RedisServerOptions,
  readyTimeoutMs = 10_000,
): Promise<RunningRedisServer> {
  const command = options.command ?? 'redis-server';
  const child = spawn(command, redisServerArgs(options), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    detached: options.detached ?? false,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? code ?? 0));
  });
  // events.once(child, 'spawn') would reject with the raw error; the ENOENT case needs its own type.
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new RedisServerNotFoundError(`${command} was not found on the PATH`)
          : error,
      );
    });
  });

  const server: RunningRedisServer = { child, port: options.port, exited, output: () => output };
  const deadline = Date.now() + readyTimeoutMs;
  let died = false;
  void exited.then(() => {
    died = true;
  });
  while (Date.now() < deadline) {
    if (died) {
      throw new Error(`redis-server on port ${options.port} exited before it was ready:\n${output.trim()}`);
    }
    if (await answersPing(options.bind ?? '127.0.0.1', options.port)) return server;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on port ${options.port} did not answer PING within ${readyTimeoutMs} ms`);
}

/**
 * One raw RESP PING, so that waiting for a server needs no client library and never reconnects
 * in the background. A server still loading its AOF answers -LOADING, which is not ready.
 */
export function answersPing(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** Stops the server with `signal` and waits until the process is gone. */
export async function stopRedisServer(server: RunningRedisServer, signal: NodeJS.Signals = 'SIGTERM') {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill(signal);
  await server.exited;
}
