/**
 * `pnpm bench:eval`: how many rollouts × checks one evaluator keeps evaluated every 5 s. N active
 * rollouts (1,000 by default) with 5 checks each (a control comparison, a ratio, a p99, a mean and a
 * max) and data in every cohort; the tick asks for every rollout each second, more than the 5 s
 * target needs, so the evaluator runs flat out. Its own `rollout_guard_evaluations_total` gives the
 * rate it sustains; capacity = that rate × 5 s, in rollouts (each with its 5 checks).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient } from '../../scripts/demo/api-client.ts';
import { startStack } from '../../scripts/demo/stack.ts';
import { machine, machineText, printTable, root, sampleRss, writeResults } from './bench-kit.ts';
import { RemoteWriteBatches } from './payloads.ts';

const ROLLOUTS = Number(process.env.BENCH_ROLLOUTS ?? 1_000);
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 30_000);
const TICK_MS = 1_000;
const TARGET_EVERY_S = 5;
const ROLLOUTS_PER_BATCH = 100;
const SERIES_PER_COHORT = 5;

const spec = (k: number) => `apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: eval-${k} }
spec:
  flag: flag-${k}
  match: { bench_rollout: "${k}" }
  waves: [{ percent: 50, bake: 1h, minSamples: 10 }, { percent: 100, bake: 1h, minSamples: 10 }]
  guardrails:
    - { name: latency-vs-control, metric: bench_latency_seconds, aggregate: mean, compare: control, allowed: { max: "+50%" } }
    - { name: errors, metric: { ratio: { numerator: bench_errors_total, denominator: bench_requests_total } }, allowed: { max: 0.5 } }
    - { name: latency-p99, metric: bench_latency_seconds, aggregate: p99, allowed: { max: 100 } }
    - { name: cpu, metric: bench_cpu_ratio, aggregate: mean, allowed: { max: 10 } }
    - { name: queue, metric: bench_queue_depth, aggregate: max, allowed: { max: 1e9 } }
`;

function labelsFor(k: number, variant: 'on' | 'off', metric: string, i: number): [string, string][] {
  return [
    ['__name__', metric],
    ['bench_rollout', String(k)],
    ['feature_flag_key', `flag-${k}`],
    ['feature_flag_result_variant', variant],
    ['instance', `i${i}`],
    ['job', 'bench-eval'],
  ];
}

async function metricsTotal(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total += value;
  }
  return total;
}

async function inBatches<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

async function main() {
  const info = machine();
  process.stdout.write(`machine: ${machineText(info)}\n`);
  const dataDir = mkdtempSync(join(tmpdir(), 'rg-bench-eval-'));
  const stack = await startStack({
    root,
    dataDir,
    collectorPort: 0,
    env: {
      LOG_LEVEL: 'warn',
      TICK_MS: String(TICK_MS),
      API_RATE_LIMIT_PER_SECOND: '100000',
      API_RATE_LIMIT_BURST: '100000',
    },
    appendOnly: true,
  });
  try {
    const api = apiClient(stack.collectorUrl);
    const ids = Array.from({ length: ROLLOUTS }, (_, k) => k);
    process.stdout.write(`creating and starting ${ROLLOUTS} rollouts × 5 checks…\n`);
    const t0 = Date.now();
    await inBatches(ids, 16, async (k) => {
      await api.putSpec(`eval-${k}`, spec(k));
      await api.act(`eval-${k}`, 'start', 'benchmark');
    });
    process.stdout.write(`  ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

    // Data in every cohort of every rollout: three rounds one second apart (counters need two points).
    const groups: [string, string][][][] = [];
    for (let g = 0; g < ROLLOUTS / ROLLOUTS_PER_BATCH; g++) {
      const series: [string, string][][] = [];
      for (let k = g * ROLLOUTS_PER_BATCH; k < Math.min(ROLLOUTS, (g + 1) * ROLLOUTS_PER_BATCH); k++) {
        for (const variant of ['on', 'off'] as const) {
          for (const metric of [
            'bench_latency_seconds',
            'bench_errors_total',
            'bench_requests_total',
            'bench_cpu_ratio',
            'bench_queue_depth',
          ]) {
            for (let i = 0; i < SERIES_PER_COHORT; i++) series.push(labelsFor(k, variant, metric, i));
          }
        }
      }
      groups.push(series);
    }
    const batches = new RemoteWriteBatches(groups);
    // The error counters stay at 0 (a healthy rollout); everything else grows by 1 per round.
    const seriesPerGroup = groups[0]?.length ?? 0;
    const errorSeries = new Set<number>();
    groups.forEach((series, g) => {
      series.forEach((labels, i) => {
        if (labels[0]?.[1] === 'bench_errors_total') errorSeries.add(g * seriesPerGroup + i);
      });
    });
    process.stdout.write('sending data to every rollout…\n');
    const base = Date.now() - 10_000;
    for (let round = 0; round < 3; round++) {
      for (let g = 0; g < batches.groups; g++) {
        const res = await fetch(`${stack.collectorUrl}/api/v1/write`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
          body: batches.batch(g, base + round * 1_000, (i) =>
            errorSeries.has(g * seriesPerGroup + i) ? 0 : 1 + round,
          ),
        });
        if (!res.ok) throw new Error(`remote write answered ${res.status}: ${await res.text()}`);
      }
    }

    process.stdout.write(`warming up, then measuring for ${MEASURE_MS / 1000} s…\n`);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const evaluator = stack.evaluatorUrl;
    const sampler = stack.pids.evaluator === undefined ? undefined : sampleRss(stack.pids.evaluator);
    const before = await metricsTotal(evaluator, 'rollout_guard_evaluations_total');
    const durationBefore = await metricsTotal(evaluator, 'rollout_guard_evaluation_duration_seconds_sum');
    const startedAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, MEASURE_MS));
    const after = await metricsTotal(evaluator, 'rollout_guard_evaluations_total');
    const durationAfter = await metricsTotal(evaluator, 'rollout_guard_evaluation_duration_seconds_sum');
    const seconds = (performance.now() - startedAt) / 1000;
    const rss = sampler?.stop();

    const evaluations = after - before;
    const perSecond = evaluations / seconds;
    const capacity = Math.floor(perSecond * TARGET_EVERY_S);
    const sample = await api.rollout('eval-0');
    const checks = (sample?.raw.checks as { name: string; state: string }[] | undefined) ?? [];
    const row = {
      rollouts: ROLLOUTS,
      'checks each': 5,
      'evaluations/s': perSecond,
      'mean eval ms': evaluations > 0 ? ((durationAfter - durationBefore) / evaluations) * 1000 : Number.NaN,
      'rollouts per 5 s': capacity,
      'every rollout within (s)': ROLLOUTS / perSecond,
      'evaluator RSS MiB': rss?.peakMiB ?? Number.NaN,
    };
    printTable(`evaluation capacity of one evaluator (tick every ${TICK_MS} ms asks for every rollout)`, [
      row,
    ]);
    process.stdout.write(
      `checks of eval-0 after the run: ${checks.map((c) => `${c.name}=${c.state}`).join(', ')}\n`,
    );
    const file = writeResults('eval', {
      machine: info,
      settings: { ROLLOUTS, MEASURE_MS, TICK_MS },
      result: row,
      checks,
    });
    process.stdout.write(`\nresults: ${file}\n`);
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
