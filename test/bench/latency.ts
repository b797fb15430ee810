/**
 * `pnpm bench:latency`: breach → webhook. For each trial a fresh rollout watches a gauge with an
 * absolute limit; one remote-write batch pushes it over the limit, and the clock runs from that
 * batch's HTTP response to the signed rollback's arrival at a local receiver — all while a steady
 * background of other remote-write traffic (100k samples/s by default) flows into the collector.
 * In the same run, Prometheus 2.42 + Alertmanager, set as fast as they go (evaluation every 1 s,
 * `for: 0s`, `group_wait: 0s`), judge the same breach from the same batches under the same background.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import snappy from 'snappy';
import { apiClient } from '../../scripts/demo/api-client.ts';
import { newWebhookSecret, startReceiver } from '../../scripts/demo/receiver.ts';
import { startStack } from '../../scripts/demo/stack.ts';
import { encodeWriteRequest } from '../../services/collector/src/protocols/remote-write-schema.ts';
import {
  machine,
  machineText,
  percentile,
  printTable,
  root,
  runBinary,
  sampleRss,
  writeResults,
} from './bench-kit.ts';
import { BENCH_FLAG, type PayloadPlan, planLabels, RemoteWriteBatches, ROLLOUT_METRIC } from './payloads.ts';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 30);
const BACKGROUND_PER_SECOND = Number(process.env.BENCH_BACKGROUND ?? 100_000);
const BACKGROUND_SERIES = 1_000;
const BREACH_SERIES = 120;
const TRIAL_TIMEOUT_MS = 15_000;
const HEADERS = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
};

function post(agent: Agent, url: string, body: Buffer) {
  return new Promise<number>((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { ...HEADERS, 'content-length': String(body.length) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** One batch that puts trial `k`'s gauge over its limit (value 5, limit 1) in both cohorts. */
function breachBatch(trial: number): Buffer {
  const now = Date.now();
  const timeseries = Array.from({ length: BREACH_SERIES * 2 }, (_, i) => ({
    labels: [
      { name: '__name__', value: 'bench_breach_value' },
      { name: 'feature_flag_key', value: `breach-${trial}` },
      { name: 'feature_flag_result_variant', value: i % 2 === 0 ? 'on' : 'off' },
      { name: 'job', value: 'bench' },
      { name: 'series', value: String(i) },
      { name: 'trial', value: String(trial) },
    ],
    samples: [{ value: 5, timestamp: now }],
  }));
  return snappy.compressSync(Buffer.from(encodeWriteRequest({ timeseries })));
}

/**
 * Steady other traffic at `perSecond` samples/s: pre-encoded 1,000-series batches (1% of them read by
 * a background rollout), sent on a fixed schedule by 4 connections; reports the rate it achieved.
 */
function startBackground(url: string, perSecond: number) {
  const requestsPerSecond = perSecond / BACKGROUND_SERIES;
  // One group of series per request slot in a second: each group's timestamps advance 1 s per round.
  const groups = Math.max(1, Math.round(requestsPerSecond));
  const plan = (g: number): PayloadPlan => ({
    scenario: `bg${g}`,
    senders: 1,
    seriesPerRequest: BACKGROUND_SERIES,
    requestsPerSender: 1,
    matchingShare: 0.01,
    startMs: 0,
  });
  const batches = new RemoteWriteBatches(Array.from({ length: groups }, (_, g) => planLabels(plan(g), 0)));
  const baseMs = Date.now() - 60_000;
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  let sent = 0;
  let ok = 0;
  let inFlight = 0;
  let skipped = 0;
  const startedAt = performance.now();
  let next = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - startedAt) / 1000) * requestsPerSecond);
    while (sent < due) {
      if (inFlight >= 8) {
        skipped += due - sent;
        sent = due;
        break;
      }
      const round = Math.floor(next / groups);
      const body = batches.batch(next % groups, baseMs + round * 1_000, round);
      next++;
      sent++;
      inFlight++;
      post(agent, url, body)
        .then((status) => {
          if (status >= 200 && status < 300) ok++;
        })
        .catch(() => undefined)
        .finally(() => inFlight--);
    }
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      agent.destroy();
      const seconds = (performance.now() - startedAt) / 1000;
      return { achievedPerSecond: Math.round((ok * BACKGROUND_SERIES) / seconds), skippedRequests: skipped };
    },
  };
}

function summary(name: string, latencies: number[], failures: number) {
  return {
    system: name,
    trials: latencies.length,
    failures,
    'p50 ms': percentile(latencies, 50),
    'p99 ms': percentile(latencies, 99),
    'max ms': Math.max(...latencies),
  };
}

async function benchCollector() {
  const secret = newWebhookSecret();
  const arrived = new Map<string, number>();
  const wakers = new Set<() => void>();
  const receiver = await startReceiver({
    secret,
    onWebhook: (w) => {
      const rollout = w.body.data.rollout;
      if (w.type === 'rollout.rollback' && typeof rollout === 'string') arrived.set(rollout, w.receivedAt);
      for (const wake of wakers) wake();
    },
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'rg-bench-latency-'));
  const stack = await startStack({
    root,
    dataDir,
    collectorPort: 0,
    env: {
      LOG_LEVEL: 'warn',
      ROLLBACK_SECRET: secret,
      SPEC_ENV_ALLOWED: 'ROLLBACK_SECRET',
      // Every trial applies and starts a rollout of its own through the API, two requests a trial in
      // quick succession: past about 30 trials the default limit answered 429 and ended the run.
      API_RATE_LIMIT_PER_SECOND: '1000',
      API_RATE_LIMIT_BURST: '1000',
    },
    appendOnly: true,
  });
  const latencies: number[] = [];
  let failures = 0;
  let background = { achievedPerSecond: 0, skippedRequests: 0 };
  let rss = { peakMiB: Number.NaN, lastMiB: Number.NaN, samples: 0 };
  try {
    const api = apiClient(stack.collectorUrl);
    // The background's 1% belongs to a rollout too: the collector stores it, the evaluator judges it.
    await api.putSpec(
      'bench-background',
      `apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: bench-background }
spec:
  flag: ${BENCH_FLAG}
  match: { job: bench }
  waves: [{ percent: 50, bake: 1h }, { percent: 100, bake: 1h }]
  guardrails: [{ name: rate, metric: ${ROLLOUT_METRIC}, aggregate: rate, allowed: { max: 1e12 } }]
`,
    );
    await api.act('bench-background', 'start', 'benchmark');
    for (let k = 0; k < TRIALS; k++) {
      await api.putSpec(
        `breach-${k}`,
        `apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: breach-${k} }
spec:
  flag: breach-${k}
  match: { trial: "${k}" }
  waves: [{ percent: 50, bake: 1h }, { percent: 100, bake: 1h }]
  guardrails: [{ name: breach, metric: bench_breach_value, aggregate: mean, allowed: { max: 1 } }]
  actions:
    rollback: [{ url: "${receiver.url}/rollback", secret: "env:ROLLBACK_SECRET" }]
`,
      );
      await api.act(`breach-${k}`, 'start', 'benchmark');
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const bg = startBackground(`${stack.collectorUrl}/api/v1/write`, BACKGROUND_PER_SECOND);
    const sampler = stack.pids.collector === undefined ? undefined : sampleRss(stack.pids.collector);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const agent = new Agent({ keepAlive: true });
    for (let k = 0; k < TRIALS; k++) {
      const status = await post(agent, `${stack.collectorUrl}/api/v1/write`, breachBatch(k));
      const answeredAt = Date.now();
      if (status < 200 || status >= 300) {
        failures++;
        continue;
      }
      const deadline = answeredAt + TRIAL_TIMEOUT_MS;
      while (!arrived.has(`breach-${k}`) && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          const wake = () => {
            wakers.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, 50);
          wakers.add(wake);
        });
      }
      const at = arrived.get(`breach-${k}`);
      if (at === undefined) failures++;
      else latencies.push(at - answeredAt);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    agent.destroy();
    background = bg.stop();
    if (sampler !== undefined) rss = sampler.stop();
  } finally {
    await stack.stop();
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { latencies, failures, background, rss };
}

async function benchPrometheus() {
  // Alertmanager's webhook lands here; the alert's `trial` label says which breach it reports.
  const arrived = new Map<string, number>();
  const hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      res.writeHead(200).end();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          alerts?: { status?: string; labels?: Record<string, string> }[];
        };
        for (const alert of body.alerts ?? []) {
          const trial = alert.labels?.trial;
          if (alert.status === 'firing' && trial !== undefined && !arrived.has(trial)) arrived.set(trial, at);
        }
      } catch {
        // not an Alertmanager payload: ignore it
      }
    });
  });
  hook.listen(0, '127.0.0.1');
  await once(hook, 'listening');
  const hookPort = (hook.address() as AddressInfo).port;

  const alertmanager = await runBinary(
    'prometheus-alertmanager',
    (port, dir) => [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    {
      'alertmanager.yml': () => `route:
  receiver: bench
  group_by: [trial]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: bench
    webhook_configs: [{ url: "http://127.0.0.1:${hookPort}/alert", send_resolved: false }]
`,
    },
  );
  const prometheus = await runBinary(
    'prometheus',
    (port, dir) => [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
    ],
    {
      'prometheus.yml': (_, dir) => `global: { scrape_interval: 1m, evaluation_interval: 1s }
rule_files: [${join(dir, 'rules.yml')}]
alerting:
  alertmanagers: [{ static_configs: [{ targets: ['127.0.0.1:${alertmanager.port}'] }] }]
`,
      'rules.yml': () => `groups:
  - name: bench
    interval: 1s
    rules:
      - alert: BreachOverLimit
        expr: avg by (trial) (bench_breach_value{feature_flag_result_variant="on"}) > 1
        for: 0s
`,
    },
  );
  const latencies: number[] = [];
  let failures = 0;
  let background = { achievedPerSecond: 0, skippedRequests: 0 };
  let rss = { peakMiB: Number.NaN, lastMiB: Number.NaN, samples: 0 };
  try {
    const url = `http://127.0.0.1:${prometheus.port}/api/v1/write`;
    const bg = startBackground(url, BACKGROUND_PER_SECOND);
    const sampler = prometheus.pid === undefined ? undefined : sampleRss(prometheus.pid);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const agent = new Agent({ keepAlive: true });
    for (let k = 0; k < TRIALS; k++) {
      const status = await post(agent, url, breachBatch(k));
      const answeredAt = Date.now();
      if (status < 200 || status >= 300) {
        failures++;
        continue;
      }
      const deadline = answeredAt + TRIAL_TIMEOUT_MS;
      while (!arrived.has(String(k)) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const at = arrived.get(String(k));
      if (at === undefined) failures++;
      else latencies.push(at - answeredAt);
      // Spread the trials over the rule's 1 s cycle so the figure is not tied to one phase of it.
      await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 1_000));
    }
    agent.destroy();
    background = bg.stop();
    if (sampler !== undefined) rss = sampler.stop();
  } finally {
    await prometheus.stop();
    await alertmanager.stop();
    hook.closeAllConnections();
    hook.close();
  }
  return { latencies, failures, background, rss };
}

async function main() {
  const info = machine();
  process.stdout.write(`machine: ${machineText(info)}\n`);
  process.stdout.write(
    `collector + evaluator: ${TRIALS} breaches under ${BACKGROUND_PER_SECOND.toLocaleString('en')} samples/s of other traffic…\n`,
  );
  const ours = await benchCollector();
  process.stdout.write('prometheus + alertmanager: the same breaches, the same background…\n');
  const theirs = await benchPrometheus();
  printTable('breach → notification received, from the ingest response of the breaching batch', [
    summary('rollout-guard (signed rollback webhook)', ours.latencies, ours.failures),
    summary('Prometheus 2.42 + Alertmanager (webhook)', theirs.latencies, theirs.failures),
  ]);
  printTable('background traffic achieved (samples/s)', [
    {
      system: 'rollout-guard',
      target: BACKGROUND_PER_SECOND,
      achieved: ours.background.achievedPerSecond,
      'rss peak MiB': ours.rss.peakMiB,
    },
    {
      system: 'prometheus',
      target: BACKGROUND_PER_SECOND,
      achieved: theirs.background.achievedPerSecond,
      'rss peak MiB': theirs.rss.peakMiB,
    },
  ]);
  const file = writeResults('latency', {
    machine: info,
    settings: { TRIALS, BACKGROUND_PER_SECOND, BACKGROUND_SERIES, BREACH_SERIES },
    rolloutGuard: ours,
    prometheusAlertmanager: theirs,
  });
  process.stdout.write(`\nresults: ${file}\n`);
}

await main();
