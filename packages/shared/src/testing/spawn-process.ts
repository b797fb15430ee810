import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** A real process under test, with its output kept line by line. */
export interface SpawnedProcess {
  child: ChildProcess;
  /** Every stdout and stderr line so far. */
  lines: string[];
  /** Resolves with the first line (already printed or yet to come) that `match` accepts. */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  exited: Promise<number | NodeJS.Signals>;
  /** SIGKILL if still running; for afterEach hooks. */
  kill(): Promise<void>;
}

export interface SpawnOptions {
  /** Arguments after `node --import tsx`: usually the entry file. */
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts a TypeScript entry point the way production does (`node` + the tsx loader, no wrapper
 * process in between, so signals reach it directly).
 */
export function spawnTs(options: SpawnOptions): SpawnedProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ...options.args], {
    cwd: options.cwd ?? process.cwd(),
    // Processes under test send webhooks, queries and scrapes to receivers on this machine.
    env: { EGRESS_ALLOW_LOOPBACK: 'true', ...(options.env ?? process.env) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const lines: string[] = [];
  const waiters = new Set<{ match: (line: string) => boolean; resolve: (line: string) => void }>();
  const onLine = (line: string) => {
    lines.push(line);
    for (const waiter of waiters) {
      if (waiter.match(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  };
  for (const stream of [child.stdout, child.stderr]) {
    if (stream !== null) createInterface({ input: stream }).on('line', onLine);
  }
  const exited = once(child, 'exit').then(([code, signal]) => {
    running.delete(child);
    return (signal as NodeJS.Signals | null) ?? (code as number);
  });

  return {
    child,
    lines,
    exited,
    waitForLine(match, timeoutMs = 20_000) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const finish = (result: string | Error) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          if (typeof result === 'string') resolve(result);
          else reject(result);
        };
        const waiter = { match, resolve: finish };
        const timer = setTimeout(
          () =>
            finish(new Error(`no matching line within ${timeoutMs} ms; output so far:\n${lines.join('\n')}`)),
          timeoutMs,
        );
        waiters.add(waiter);
        void exited.then((code) => {
          if (waiters.has(waiter)) {
            finish(
              new Error(`process exited (${code}) before a matching line; output:\n${lines.join('\n')}`),
            );
          }
        });
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Parses a JSON log line, or undefined for anything else (a stack trace, a plain message). */
export function jsonLine(line: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The command line a running process was started with (`node`, its flags, the script…), from /proc (Linux). */
export function argumentsOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

/** The environment a running process was started with, from /proc (Linux). */
export function environmentOf(pid: number): Record<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return Object.fromEntries(
    entries.map((entry) => {
      const eq = entry.indexOf('=');
      return [entry.slice(0, eq), entry.slice(eq + 1)];
    }),
  );
}
