import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@rollout-guard/shared/testing';

// Debian's prometheus-alertmanager (apt-get install prometheus-alertmanager; .ci/run installs it) on a
// free loopback port with a config and storage of its own, clustering off. Missing, the suite fails: it
// must not skip.

const ALERTMANAGER = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';

export interface TestAlertmanager {
  url: string;
  /** What `GET /api/v2/alerts` holds for `filter` (e.g. `rollout="checkout"`), expired ones included. */
  alerts(filter: string): Promise<
    {
      labels: Record<string, string>;
      annotations: Record<string, string>;
      endsAt: string;
      status: { state: string };
    }[]
  >;
  stop(): Promise<void>;
}

const config = `route:
  receiver: nowhere
  group_wait: 1h
receivers:
  - name: nowhere
`;

export async function startAlertmanager(): Promise<TestAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'rollout-guard-alertmanager-'));
  writeFileSync(join(dir, 'alertmanager.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    ALERTMANAGER,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failed = new Promise<never>((_resolve, reject) => {
    child.once('error', (error) =>
      reject(
        new Error(
          `${ALERTMANAGER} could not start (apt-get install -y prometheus-alertmanager): ${error.message}`,
        ),
      ),
    );
    void exited.then(() => reject(new Error(`alertmanager exited before it was ready:\n${output}`)));
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const ready = async () => {
    for (let i = 0; i < 200; i++) {
      const answer = await fetch(`${url}/-/ready`).catch(() => undefined);
      if (answer?.ok) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`alertmanager at ${url} was not ready within 10 s:\n${output}`);
  };
  try {
    await Promise.race([ready(), failed]);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    async alerts(filter) {
      const query = new URLSearchParams({
        active: 'true',
        silenced: 'true',
        inhibited: 'true',
        unprocessed: 'true',
      });
      query.append('filter', filter);
      const answer = await fetch(`${url}/api/v2/alerts?${query}`);
      return (await answer.json()) as Awaited<ReturnType<TestAlertmanager['alerts']>>;
    },
    stop,
  };
}
