import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../packages/shared/src/redis/index.ts';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const resultsDir = join(root, 'test', 'bench', 'results');

/** The p-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Resident set size of a process in MiB, from /proc (Linux). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb === undefined ? Number.NaN : Number(kb) / 1024;
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux); NaN once it is gone. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** USER_HZ: Linux reports CPU times in /proc in hundredths of a second on every architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Samples a process's RSS every `everyMs` until stopped; reports the peak and the last value. */
export function sampleRss(pid: number, everyMs = 250) {
  const samples: number[] = [];
  const take = () => {
    try {
      samples.push(rssMiB(pid));
    } catch {
      // the process is gone: nothing to sample
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return {
        peakMiB: Math.max(...samples),
        lastMiB: samples.at(-1) ?? Number.NaN,
        samples: samples.length,
      };
    },
  };
}

/** The machine the figures came from: cores, memory, CPU model, Node, Redis and Prometheus versions. */
export function machine(): Record<string, string | number> {
  const version = (cmd: string, args: string[]) => {
    try {
      const out = spawnSyncText(cmd, args);
      return out.split('\n')[0]?.trim() ?? 'unknown';
    } catch {
      return 'not installed';
    }
  };
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    redis: version('redis-server', ['--version']),
    prometheus: version('prometheus', ['--version']),
  };
}

function spawnSyncText(cmd: string, args: string[]): string {
  const result = spawnSync(cmd, args, { encoding: 'utf8' });
  if (result.error) throw result.error;
  return `${result.stdout}${result.stderr}`;
}

/**
 * Prints rows as an aligned table; with BENCH_FORMAT=markdown as a Markdown table, to paste into
 * BENCHMARKS.md as it is.
 */
export function printTable(title: string, rows: readonly Record<string, string | number>[]): void {
  if (rows.length === 0) return;
  const markdown = process.env.BENCH_FORMAT === 'markdown';
  const columns = Object.keys(rows[0] ?? {});
  const cell = (v: string | number | undefined) =>
    typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en') : v.toFixed(2)) : String(v ?? '');
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => {
    const padded = values.map((v, i) => v.padStart(widths[i] ?? 0));
    return markdown ? `| ${padded.join(' | ')} |` : padded.join('  ');
  };
  const rule = line(widths.map((w) => '-'.repeat(w)));
  process.stdout.write(`\n${markdown ? `**${title}**\n\n` : `${title}\n`}${line(columns)}\n${rule}\n`);
  for (const row of rows) process.stdout.write(`${line(columns.map((c) => cell(row[c])))}\n`);
}

/** Writes the run's JSON under test/bench/results/ (gitignored) and returns its path. */
export function writeResults(name: string, data: unknown): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

export interface RunningProcess {
  readonly port: number;
  readonly pid: number | undefined;
  readonly dir: string;
  log(): string;
  stop(): Promise<void>;
}

/** Waits until `url` answers 2xx, or throws with the process's log. */
export async function waitHttp(url: string, proc: { log(): string }, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(1_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${proc.log()}`);
}

/** Runs a Debian binary (prometheus, prometheus-alertmanager) on a free loopback port with a temp dir. */
export async function runBinary(
  command: string,
  args: (port: number, dir: string) => string[],
  files: Record<string, (port: number, dir: string) => string> = {},
  readyPath = '/-/ready',
): Promise<RunningProcess> {
  const dir = mkdtempSync(join(tmpdir(), `rg-bench-${command}-`));
  const port = await freePort();
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content(port, dir));
  const child: ChildProcess = spawn(command, args(port, dir), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (e) =>
      reject(new Error(`${command} could not start (apt-get install it): ${e.message}`)),
    );
  });
  const proc: RunningProcess = {
    port,
    pid: child.pid,
    dir,
    log: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await once(child, 'exit');
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await waitHttp(`http://127.0.0.1:${port}${readyPath}`, proc);
  return proc;
}

export function machineText(info: Record<string, string | number>): string {
  return Object.entries(info)
    .map(([k, v]) => `${k}: ${v}`)
    .join(' · ');
}
