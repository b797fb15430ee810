import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../redis/free-port.ts';

// Debian's prometheus package (it ships promtool too; .ci/run installs it). Missing, tests fail: they must not skip.
const PROMETHEUS = process.env.PROMETHEUS_BIN ?? 'prometheus';
const PROMTOOL = process.env.PROMTOOL_BIN ?? 'promtool';

export interface TestPrometheus {
  readonly url: string;
  /** The tail of its log, for a failing test's message. */
  log(): string;
  stop(): Promise<void>;
}

export interface StartPrometheusOptions {
  /** prometheus.yml; default: no scrape targets. */
  readonly config?: string;
  /**
   * History to load before it starts: an OpenMetrics text (ending in `# EOF`) written into TSDB blocks with
   * `promtool tsdb create-blocks-from openmetrics` — data with a known answer, without waiting for scrapes.
   */
  readonly openmetrics?: string;
  /** Loopback port to listen on (default: a free one): a test can point at it before it is up. */
  readonly port?: number;
}

async function backfill(dir: string, data: string, openmetrics: string): Promise<void> {
  writeFileSync(join(dir, 'input.om'), openmetrics);
  try {
    await promisify(execFile)(
      PROMTOOL,
      ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'input.om'), data],
      {
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `${PROMTOOL} could not backfill (apt-get install -y prometheus): ${(error as Error).message}`,
    );
  }
}

/** A real Prometheus on a free loopback port with a throwaway data directory, ready when this resolves. */
export async function startPrometheus(options: StartPrometheusOptions = {}): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'rg-prometheus-'));
  const data = join(dir, 'data');
  mkdirSync(data);
  writeFileSync(join(dir, 'prometheus.yml'), options.config ?? 'global: { scrape_interval: 15s }\n');
  if (options.openmetrics !== undefined) await backfill(dir, data, options.openmetrics);
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${data}`,
      // Backfilled history must not fall out of the default 15 d retention.
      '--storage.tsdb.retention.time=10y',
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8000);
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) =>
      reject(new Error(`${PROMETHEUS} could not start (apt-get install -y prometheus): ${error.message}`)),
    );
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (i > 300 || child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus did not become ready: ${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, log: () => log, stop };
}
