/**
 * deploy/grafana's dashboard against a running collector with an active rollout: every metric its queries
 * read is in the collector's exposition, and a real Prometheus, scraping it with deploy/prometheus's job,
 * accepts every query and has data for every panel.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createRolloutStore } from '@rollout-guard/shared/store';
import {
  freePort,
  jsonLine,
  type SpawnedProcess,
  spawnTs,
  startRedis,
  type TestRedis,
} from '@rollout-guard/shared/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TOKEN = 'grafana-secret-0123456789';
const PROMETHEUS = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
const PROMTOOL = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';

interface Target {
  expr: string;
}
interface Panel {
  title: string;
  targets: Target[];
}
const dashboard = JSON.parse(readFileSync(join(root, 'deploy/grafana/rollout-guard.json'), 'utf8')) as {
  panels: Panel[];
  templating: { list: Array<{ name: string; definition?: string }> };
};

const PROMQL_WORDS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'or',
  'and',
  'unless',
  'bool',
  'offset',
  'time',
  'vector',
  'label_values',
  'rate',
  'increase',
  'abs',
  'topk',
]);

/** The metric names a PromQL expression reads: identifiers outside label matchers, groupings and strings. */
function metricsOf(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '')
    .replace(/\$\w+/g, '');
  const names = bare.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return [...new Set(names.filter((name) => !PROMQL_WORDS.has(name) && !/^\d/.test(name)))];
}

/** Every query of the dashboard: each panel's targets and each variable's definition. */
const queries = [
  ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)),
  ...dashboard.templating.list.flatMap((variable) =>
    variable.definition === undefined
      ? []
      : [/label_values\((.*),\s*\w+\)$/.exec(variable.definition)?.[1] ?? variable.definition],
  ),
];

const SPEC = `apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: grafana }
spec:
  flag: grafana-flag
  waves: [{ percent: 25, bake: 1h, minSamples: 100 }, { percent: 100, bake: 1h }]
  guardrails:
    - { name: error-rate, metric: { ratio: { numerator: errors_total, denominator: requests_total } }, allowed: { max: 0.03 } }
  successCriteria:
    - { name: csat, metric: csat_score, aggregate: mean, allowed: { min: 4, max: 5 } }
`;

describe('deploy/grafana', () => {
  let redis: TestRedis;
  let collector: SpawnedProcess;
  let server: string;
  let exposition: Set<string>;
  const dir = mkdtempSync(join(tmpdir(), 'rg-grafana-'));

  const call = (method: string, path: string, body?: string) =>
    fetch(`${server}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/yaml' }),
      },
      ...(body === undefined ? {} : { body }),
    });

  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    const port = await freePort();
    server = `http://127.0.0.1:${port}`;
    const { REDIS_URL: _ignored, ...inherited } = process.env;
    collector = spawnTs({
      args: ['services/collector/src/main.ts'],
      cwd: root,
      env: {
        ...inherited,
        REDIS_URL: redis.url,
        PORT: String(port),
        ROLLOUT_GUARD_TOKENS: `grafana:read+operate+admin:${TOKEN}`,
      },
    });
    await collector.waitForLine((line) => jsonLine(line)?.msg === 'collector listening');
    // Listening comes before its Redis connection is up: wait until it says it is ready.
    for (let tries = 0; (await fetch(`${server}/readyz`)).status !== 200; tries++) {
      if (tries > 200) throw new Error('the collector never became ready');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const put = await call('PUT', '/api/v1/rollouts/grafana', SPEC);
    expect(put.status, await put.clone().text()).toBeLessThan(300);
    expect((await call('POST', '/api/v1/rollouts/grafana/start')).status).toBe(200);
    // An evaluation as the evaluator writes it, so the guardrail has a value and an interval.
    const connection = new Redis(redis.url);
    const store = createRolloutStore(connection);
    const now = Date.now();
    const evaluated = await store.applyEvent('grafana', {
      type: 'evaluation',
      measurements: {
        'error-rate': {
          window: { from: now - 60_000, to: now, label: 'wave' },
          treatment: { samples: 5120, value: 0.011, interval: [0.008, 0.014] },
        },
      },
    });
    expect(evaluated.ok).toBe(true);
    connection.disconnect();
    const text = await (await call('GET', '/metrics/rollouts')).text();
    exposition = new Set(
      text
        .split('\n')
        .flatMap((line) => (line === '' || line.startsWith('#') ? [] : [line.split(/[{ ]/)[0]!])),
    );
  }, 60_000);

  afterAll(async () => {
    collector?.child.kill('SIGTERM');
    await collector?.exited;
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads only metrics the collector exposes', () => {
    const read = [...new Set(queries.flatMap(metricsOf))].sort();
    expect(read.length).toBeGreaterThanOrEqual(10);
    expect(read.filter((name) => !exposition.has(name))).toEqual([]);
  });

  it('finds the metric names in a query, and only those', () => {
    expect(
      metricsOf('count(max by (rollout, check) (a_b{x="by (y)", check="$check"}) == 1) or vector(0)'),
    ).toEqual(['a_b']);
    expect(metricsOf('max(c) - time() + on (rollout) d{e=~"$f"}')).toEqual(['c', 'd']);
  });

  it('has data for every panel in a Prometheus scraping the collector with deploy/prometheus/scrape-rollouts.yml', async () => {
    const job = parse(readFileSync(join(root, 'deploy/prometheus/scrape-rollouts.yml'), 'utf8')) as {
      scrape_configs: Array<Record<string, unknown>>;
    };
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, TOKEN);
    const scrape = job.scrape_configs.map((config) => ({
      ...config,
      scrape_interval: '1s',
      scrape_timeout: '1s',
      authorization: { type: 'Bearer', credentials_file: tokenFile },
      static_configs: [{ targets: [server.replace('http://', '')] }],
    }));
    const configFile = join(dir, 'prometheus.yml');
    writeFileSync(configFile, stringify({ global: { scrape_interval: '1s' }, scrape_configs: scrape }));
    await promisify(execFile)(PROMTOOL, ['check', 'config', configFile]);

    const webPort = await freePort();
    const prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${webPort}`,
      ],
      { stdio: 'ignore' },
    );
    try {
      const query = async (expr: string) => {
        const url = `http://127.0.0.1:${webPort}/api/v1/query?query=${encodeURIComponent(expr)}`;
        const answer = (await (await fetch(url)).json()) as {
          status: string;
          error?: string;
          data: { result: unknown[] };
        };
        return answer;
      };
      const substitute = (expr: string) =>
        expr.replaceAll('$rollout', 'grafana').replaceAll('$check', 'error-rate').replaceAll('$__all', '.*');
      await expect
        .poll(
          async () => (await query('rollout_guard_check_value').catch(() => null))?.data.result.length ?? 0,
          {
            timeout: 30_000,
            interval: 500,
          },
        )
        .toBeGreaterThan(0);
      for (const panel of dashboard.panels) {
        const answers = await Promise.all(panel.targets.map((target) => query(substitute(target.expr))));
        for (const answer of answers) expect(answer, panel.title).toMatchObject({ status: 'success' });
        expect(
          answers.some((answer) => answer.data.result.length > 0),
          `panel "${panel.title}" has no data`,
        ).toBe(true);
      }
    } finally {
      prometheus.kill('SIGTERM');
      await new Promise((resolve) => prometheus.once('exit', resolve));
    }
  }, 90_000);
});
