/**
 * `pnpm bench:ingest`: remote-write ingest of the collector and of Debian's Prometheus
 * (`--web.enable-remote-write-receiver`), in one run, with the same pre-encoded payloads: 1,500
 * series per request, 4 concurrent senders each owning its series, when every series matches a
 * rollout and when 1% do; OTLP protobuf ingest of the collector the same way; the collector's RSS.
 * Loopback only; every loop is bounded in count and in time.
 *
 * Remote write runs in rounds (BENCH_ROUNDS, default 3), each the collector and Prometheus back to back
 * on the same payloads, in alternating order: a shared machine's speed drifts by tens of percent within
 * minutes, and a pair of runs a few seconds apart sees the same machine. The ratio reported is the
 * median of the rounds' ratios (nearest rank: the lower middle one when the rounds are even).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedis } from '@rollout-guard/shared/redis';
import { startRedis } from '@rollout-guard/shared/testing';
import { apiClient } from '../../scripts/demo/api-client.ts';
import { type Stack, startStack } from '../../scripts/demo/stack.ts';
import {
  machine,
  machineText,
  percentile,
  printTable,
  processCpuMs,
  root,
  runBinary,
  sampleRss,
  writeResults,
} from './bench-kit.ts';
import {
  BENCH_FLAG,
  otlpPayloads,
  type PayloadPlan,
  ROLLOUT_METRIC,
  remoteWritePayloads,
} from './payloads.ts';

const SENDERS = 4;
const SERIES_PER_REQUEST = Number(process.env.BENCH_SERIES ?? 1_500);
const REQUESTS_PER_SENDER = Number(process.env.BENCH_REQUESTS ?? 150);
const WARMUP_REQUESTS = 5;
const RUN_LIMIT_MS = Number(process.env.BENCH_RUN_MS ?? 30_000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
// BENCH_REDIS_STATS=1: Redis's time per command over each collector run (INFO commandstats).
const REDIS_STATS = process.env.BENCH_REDIS_STATS === '1';
/**
 * BENCH_WAIT_REPLICAS=N: the bench's Redis gets N replicas and the collector acknowledges a batch only
 * once they have it (INGEST_WAIT_REPLICAS=N); the cost of WAIT is this run's figures against a run without.
 */
const WAIT_REPLICAS = Number(process.env.BENCH_WAIT_REPLICAS ?? 0);
// BENCH_ONLY=collector skips Prometheus (for profiling runs).
const ONLY = process.env.BENCH_ONLY;
/**
 * BENCH_CASES=rw-100,rw-1,otlp-100,otlp-1,rw2-100 (default: all): which collector runs to make.
 * `rw2-100`: two collector processes on one Redis, the senders' series split between them as
 * Prometheus splits them with `hashmod` relabelling over two remote_write entries.
 */
const CASES = new Set((process.env.BENCH_CASES ?? 'rw-100,rw-1,otlp-100,otlp-1,rw2-100').split(','));
const wanted = (protocol: 'rw' | 'rw2' | 'otlp', matching: '100%' | '1%') =>
  CASES.has(`${protocol}-${matching.replace('%', '')}`);

interface RunResult {
  target: string;
  /** The round of a remote-write pair (1-based); undefined for runs without a Prometheus counterpart. */
  round?: number;
  protocol: string;
  matching: string;
  requests: number;
  failed: number;
  samplesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  seconds: number;
  /** CPU time of the receiving process(es), all threads, per sample stored, over the measured requests. */
  cpuUsPerSample: number;
  firstError?: string;
  /** Collector only, from its own metrics: mean time per request answering it, and storing in Redis. */
  serverMs?: number;
  redisMs?: number;
  redisCpuMs?: number;
}

/** Sum and count of one histogram in a Prometheus text exposition (all label sets added up). */
async function histogramTotals(baseUrl: string, name: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let sum = 0;
  let count = 0;
  for (const line of text.split('\n')) {
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith(`${name}_sum`)) sum += value;
    else if (line.startsWith(`${name}_count`)) count += value;
  }
  return { sum, count };
}

/** Runs one command sequence on a connection of its own. */
/** A Redis (append-only, as the stack's own) with `replicas` replicas following it, all up and linked. */
async function startReplicatedRedis(replicas: number) {
  const master = await startRedis({ appendonly: true });
  const followers = await Promise.all(
    Array.from({ length: replicas }, () =>
      startRedis({ appendonly: false, extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] }),
    ),
  );
  const deadline = Date.now() + 30_000;
  // Online, not just connected: WAIT counts a replica only once its first sync is done.
  const online = async () =>
    (await withRedis(master.url, (redis) => redis.info('replication'))).split('state=online').length - 1;
  while ((await online()) < replicas) {
    if (Date.now() > deadline) throw new Error(`the ${replicas} replicas were not online within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url: master.url,
    async stop() {
      await Promise.all(followers.map((follower) => follower.stop()));
      await master.stop();
    },
  };
}

async function withRedis<T>(redisUrl: string, use: (redis: ReturnType<typeof createRedis>) => Promise<T>) {
  const redis = createRedis(redisUrl, { role: 'worker' });
  try {
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/** Redis's own CPU time so far (user + system), in ms, from INFO. */
async function redisCpuMs(redisUrl: string): Promise<number> {
  const info = await withRedis(redisUrl, (redis) => redis.info('cpu'));
  const field = (name: string) => Number(new RegExp(`^used_cpu_${name}:([\\d.]+)`, 'm').exec(info)?.[1]);
  return (field('user') + field('sys')) * 1000;
}

/**
 * Runs `drive` and adds the collector's own view: time per request in the server and waiting for
 * Redis; and Redis's CPU time per request (what its single thread really spent).
 */
async function withServerTimes(
  collectorUrl: string,
  redisUrl: string,
  run: () => Promise<RunResult>,
): Promise<RunResult> {
  const names = ['rollout_guard_ingest_request_duration_seconds', 'rollout_guard_ingest_redis_write_seconds'];
  const before = await Promise.all(names.map((n) => histogramTotals(collectorUrl, n)));
  if (REDIS_STATS) await withRedis(redisUrl, (redis) => redis.config('RESETSTAT'));
  const cpuBefore = await redisCpuMs(redisUrl);
  const result = await run();
  const cpuAfter = await redisCpuMs(redisUrl);
  if (REDIS_STATS) {
    const stats = await withRedis(redisUrl, (redis) => redis.info('commandstats'));
    process.stdout.write(`Redis's time per command over the run:\n${stats}\n`);
  }
  const after = await Promise.all(names.map((n) => histogramTotals(collectorUrl, n)));
  const mean = (i: number) => {
    const sum = (after[i]?.sum ?? 0) - (before[i]?.sum ?? 0);
    const count = (after[i]?.count ?? 0) - (before[i]?.count ?? 0);
    return count > 0 ? (sum / count) * 1000 : Number.NaN;
  };
  const requests = (after[0]?.count ?? 0) - (before[0]?.count ?? 0);
  return { ...result, serverMs: mean(0), redisMs: mean(1), redisCpuMs: (cpuAfter - cpuBefore) / requests };
}

function post(agent: Agent, url: URL, body: Buffer, headers: Record<string, string>) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-length': String(body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('timed out after 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/** 4 closed-loop senders, each with its own series: samples/s over the measured part, and request latencies. */
async function drive(
  label: Omit<
    RunResult,
    'requests' | 'failed' | 'samplesPerSecond' | 'p50Ms' | 'p99Ms' | 'seconds' | 'cpuUsPerSample'
  >,
  url: string | readonly string[],
  payloads: Buffer[][],
  headers: Record<string, string>,
  /** The receiving processes, whose CPU time is measured over the timed part. */
  pids: readonly (number | undefined)[],
): Promise<RunResult> {
  const cpuMs = () =>
    pids.reduce((sum: number, pid) => sum + (pid === undefined ? Number.NaN : processCpuMs(pid)), 0);
  const agent = new Agent({ keepAlive: true, maxSockets: SENDERS });
  // Several URLs: sender i always sends to the same one (its series stay with one collector).
  const targets = (typeof url === 'string' ? [url] : url).map((u) => new URL(u));
  const targetOf = (sender: number) => targets[sender % targets.length] as URL;
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let samples = 0;
  let measuredFrom = 0;
  const deadline = Date.now() + RUN_LIMIT_MS;
  // Warm-up first (JIT, connections, series creation), not counted.
  await Promise.all(
    payloads.map(async (mine, sender) => {
      for (const body of mine.slice(0, WARMUP_REQUESTS)) await post(agent, targetOf(sender), body, headers);
    }),
  );
  measuredFrom = performance.now();
  const cpuBefore = cpuMs();
  await Promise.all(
    payloads.map(async (mine, sender) => {
      for (const body of mine.slice(WARMUP_REQUESTS)) {
        if (Date.now() > deadline) return;
        const t0 = performance.now();
        const res = await post(agent, targetOf(sender), body, headers).catch((e: Error) => ({
          status: 0,
          text: e.message,
        }));
        latencies.push(performance.now() - t0);
        if (res.status >= 200 && res.status < 300) samples += SERIES_PER_REQUEST;
        else {
          failed++;
          firstError ??= `${res.status} ${res.text.slice(0, 200)}`;
        }
      }
    }),
  );
  const seconds = (performance.now() - measuredFrom) / 1000;
  const cpuUsPerSample = ((cpuMs() - cpuBefore) * 1000) / samples;
  agent.destroy();
  return {
    ...label,
    requests: latencies.length,
    failed,
    samplesPerSecond: Math.round(samples / seconds),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    seconds,
    cpuUsPerSample,
    ...(firstError === undefined ? {} : { firstError }),
  };
}

const benchSpec = `apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: bench-ingest }
spec:
  flag: ${BENCH_FLAG}
  match: { job: bench }
  waves: [{ percent: 50, bake: 1h }, { percent: 100, bake: 1h }]
  guardrails:
    - { name: request-rate, metric: ${ROLLOUT_METRIC}, aggregate: rate, allowed: { max: 1e12 } }
`;

const REMOTE_WRITE_HEADERS = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
};
const OTLP_HEADERS = { 'content-type': 'application/x-protobuf' };

/** Prometheus with its remote-write receiver, for the same payloads as the collector. */
async function startPrometheus() {
  const prometheus = await runBinary(
    'prometheus',
    (port, dir) => [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
    ],
    { 'prometheus.yml': () => 'global: { scrape_interval: 1m }\n' },
  );
  const sampler = prometheus.pid === undefined ? undefined : sampleRss(prometheus.pid);
  return {
    url: `http://127.0.0.1:${prometheus.port}/api/v1/write`,
    pid: prometheus.pid,
    /** Stops it; returns its RSS over the runs. */
    async stop() {
      const rss = sampler?.stop() ?? NO_RSS;
      await prometheus.stop();
      return rss;
    },
  };
}

const NO_RSS = { peakMiB: Number.NaN, lastMiB: Number.NaN, samples: 0 };

/**
 * A second collector process on the same Redis; senders 0 and 2 go to the first, 1 and 3 to the
 * second, each keeping its series. Returns the larger of the two collectors' RSS.
 */
async function benchTwoCollectors(results: RunResult[], first: Stack, payloads: Buffer[][]) {
  const dataDir = mkdtempSync(join(tmpdir(), 'rg-bench-ingest-2-'));
  const second = await startStack({
    root,
    dataDir,
    redisUrl: first.redisUrl,
    collectorPort: 0,
    env: { LOG_LEVEL: 'warn' },
    services: ['collector'],
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const samplers = [first.pids.collector, second.pids.collector].flatMap((pid) =>
      pid === undefined ? [] : [sampleRss(pid)],
    );
    process.stdout.write('two collectors, remote write, 100% matching…\n');
    results.push(
      await drive(
        { target: 'collector ×2', protocol: 'remote write', matching: '100%' },
        [`${first.collectorUrl}/api/v1/write`, `${second.collectorUrl}/api/v1/write`],
        payloads,
        REMOTE_WRITE_HEADERS,
        [first.pids.collector, second.pids.collector],
      ),
    );
    const each = samplers.map((s) => s.stop());
    return each.reduce((a, b) => (b.peakMiB > a.peakMiB ? b : a));
  } finally {
    await second.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const info = machine();
  process.stdout.write(`machine: ${machineText(info)}\n`);
  // Requests are a second apart, each round's following the round before, all in the past.
  const startMs = Date.now() - (ROUNDS * REQUESTS_PER_SENDER + 120) * 1_000;
  const plan = (scenario: string, matchingShare: number, round = 0): PayloadPlan => ({
    scenario,
    senders: SENDERS,
    seriesPerRequest: SERIES_PER_REQUEST,
    requestsPerSender: REQUESTS_PER_SENDER,
    matchingShare,
    startMs,
    firstRequest: round * REQUESTS_PER_SENDER,
  });
  process.stdout.write('encoding payloads…\n');
  // The same series in every round, later in time each round (as a sender's next minutes would be).
  const rounds = Array.from({ length: ROUNDS }, (_, r) => ({
    '100%': wanted('rw', '100%') ? remoteWritePayloads(plan('all', 1, r)) : [],
    '1%': wanted('rw', '1%') ? remoteWritePayloads(plan('one', 0.01, r)) : [],
  }));
  const otlpAll = wanted('otlp', '100%') ? otlpPayloads(plan('otlp-all', 1)) : [];
  const otlpOne = wanted('otlp', '1%') ? otlpPayloads(plan('otlp-one', 0.01)) : [];
  // Fresh series for the two-collector run: the single collector's runs already stored these times.
  const rwAll2 = wanted('rw2', '100%') ? remoteWritePayloads(plan('all-two', 1)) : [];
  const someBody = rounds[0]?.['100%'][0]?.[0] ?? rounds[0]?.['1%'][0]?.[0] ?? rwAll2[0]?.[0];
  const bodyKiB = Math.round((someBody?.length ?? 0) / 1024);

  const results: RunResult[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'rg-bench-ingest-'));
  const replicated = WAIT_REPLICAS > 0 ? await startReplicatedRedis(WAIT_REPLICAS) : undefined;
  const stack = await startStack({
    root,
    dataDir,
    collectorPort: 0,
    ...(replicated === undefined ? {} : { redisUrl: replicated.url }),
    env: {
      LOG_LEVEL: 'warn',
      ...(replicated === undefined ? {} : { INGEST_WAIT_REPLICAS: String(WAIT_REPLICAS) }),
    },
    services: ['collector'],
    appendOnly: true,
    // BENCH_PROFILE=<dir>: a V8 CPU profile of the collector, written there when it stops.
    // BENCH_COLLECTOR_FLAGS: extra node flags for the collector (e.g. --max-old-space-size=192).
    nodeArgs: {
      collector: [
        ...(process.env.BENCH_COLLECTOR_FLAGS ?? '').split(' ').filter(Boolean),
        ...(process.env.BENCH_PROFILE === undefined
          ? []
          : ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]),
      ],
    },
  });
  let rss = NO_RSS;
  let rss2 = NO_RSS;
  let prometheusRss = NO_RSS;
  try {
    const api = apiClient(stack.collectorUrl);
    await api.putSpec('bench-ingest', benchSpec);
    await api.act('bench-ingest', 'start', 'benchmark');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const collectorPid = stack.pids.collector;
    const sampler = collectorPid === undefined ? undefined : sampleRss(collectorPid);
    const rw = `${stack.collectorUrl}/api/v1/write`;
    const otlp = `${stack.collectorUrl}/v1/metrics`;

    const pairs = rounds.some((round) => round['100%'].length > 0 || round['1%'].length > 0);
    const prometheus = ONLY !== 'collector' && pairs ? await startPrometheus() : undefined;
    try {
      for (const [r, round] of rounds.entries()) {
        for (const matching of ['100%', '1%'] as const) {
          const payloads = round[matching];
          if (payloads.length === 0) continue;
          const label = { protocol: 'remote write', matching, round: r + 1 };
          const ours = async () => {
            process.stdout.write(`round ${r + 1}: collector, remote write, ${matching} matching…\n`);
            results.push(
              await withServerTimes(stack.collectorUrl, stack.redisUrl, () =>
                drive({ target: 'collector', ...label }, rw, payloads, REMOTE_WRITE_HEADERS, [collectorPid]),
              ),
            );
          };
          const theirs = async () => {
            if (prometheus === undefined) return;
            process.stdout.write(
              `round ${r + 1}: prometheus, remote write, ${matching} of the series named as the rollout's…\n`,
            );
            results.push(
              await drive(
                { target: 'prometheus', ...label },
                prometheus.url,
                payloads,
                REMOTE_WRITE_HEADERS,
                [prometheus.pid],
              ),
            );
          };
          // Alternating order: a machine speeding up or slowing down over the rounds favours neither.
          for (const run of r % 2 === 0 ? [ours, theirs] : [theirs, ours]) await run();
        }
      }
    } finally {
      if (prometheus !== undefined) prometheusRss = await prometheus.stop();
    }

    for (const [matching, payloads] of [
      ['100%', otlpAll],
      ['1%', otlpOne],
    ] as const) {
      if (payloads.length === 0) continue;
      process.stdout.write(`collector, OTLP protobuf, ${matching} matching…\n`);
      results.push(
        await withServerTimes(stack.collectorUrl, stack.redisUrl, () =>
          drive({ target: 'collector', protocol: 'OTLP protobuf', matching }, otlp, payloads, OTLP_HEADERS, [
            collectorPid,
          ]),
        ),
      );
    }
    if (sampler !== undefined) rss = sampler.stop();
    if (rwAll2.length > 0) rss2 = await benchTwoCollectors(results, stack, rwAll2);
  } finally {
    await stack.stop();
    await replicated?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  printTable(
    `remote-write and OTLP ingest — ${SENDERS} senders × ${SERIES_PER_REQUEST} series/request (${bodyKiB} KiB snappy), ${REQUESTS_PER_SENDER - WARMUP_REQUESTS} measured requests each`,
    results.map((r) => ({
      round: r.round ?? '',
      target: r.target,
      protocol: r.protocol,
      matching: r.matching,
      requests: r.requests,
      failed: r.failed,
      'samples/s': r.samplesPerSecond,
      'p50 ms': r.p50Ms,
      'p99 ms': r.p99Ms,
      'cpu µs/sample': r.cpuUsPerSample,
      'server ms/req': r.serverMs ?? Number.NaN,
      'redis wait ms/req': r.redisMs ?? Number.NaN,
      'redis cpu ms/req': r.redisCpuMs ?? Number.NaN,
    })),
  );
  // Per round, the collector's samples/s over Prometheus' in the same round; then the median per case.
  const paired = results.flatMap((ours) => {
    if (ours.target !== 'collector' || ours.round === undefined) return [];
    const theirs = results.find(
      (r) => r.target === 'prometheus' && r.round === ours.round && r.matching === ours.matching,
    );
    if (theirs === undefined) return [];
    return [
      {
        round: ours.round,
        matching: ours.matching,
        'collector samples/s': ours.samplesPerSecond,
        'prometheus samples/s': theirs.samplesPerSecond,
        'collector / prometheus': ours.samplesPerSecond / theirs.samplesPerSecond,
        'collector cpu µs/sample': ours.cpuUsPerSample,
        'prometheus cpu µs/sample': theirs.cpuUsPerSample,
      },
    ];
  });
  const ratios = (['100%', '1%'] as const).flatMap((matching) => {
    const of = paired.filter((p) => p.matching === matching);
    if (of.length === 0) return [];
    return [
      {
        matching,
        rounds: of.length,
        'median collector / prometheus': percentile(
          of.map((p) => p['collector / prometheus']),
          50,
        ),
        lowest: Math.min(...of.map((p) => p['collector / prometheus'])),
        highest: Math.max(...of.map((p) => p['collector / prometheus'])),
        'median collector samples/s': Math.round(
          percentile(
            of.map((p) => p['collector samples/s']),
            50,
          ),
        ),
        'median prometheus samples/s': Math.round(
          percentile(
            of.map((p) => p['prometheus samples/s']),
            50,
          ),
        ),
      },
    ];
  });
  printTable('remote write: collector vs Prometheus 2.42 receiver, round by round', paired);
  printTable('remote write: collector / Prometheus over the rounds', ratios);
  printTable('resident memory under the runs above (MiB)', [
    { process: 'collector', peak: rss.peakMiB, last: rss.lastMiB },
    { process: 'collector ×2 (largest)', peak: rss2.peakMiB, last: rss2.lastMiB },
    { process: 'prometheus', peak: prometheusRss.peakMiB, last: prometheusRss.lastMiB },
  ]);
  for (const r of results) {
    if (r.firstError !== undefined)
      process.stdout.write(`${r.target} ${r.protocol} ${r.matching}: first failure ${r.firstError}\n`);
  }
  const file = writeResults('ingest', {
    machine: info,
    settings: {
      SENDERS,
      SERIES_PER_REQUEST,
      REQUESTS_PER_SENDER,
      WARMUP_REQUESTS,
      RUN_LIMIT_MS,
      ROUNDS,
      bodyKiB,
    },
    results,
    paired,
    ratios,
    rss: { collector: rss, collectorOfTwo: rss2, prometheus: prometheusRss },
  });
  process.stdout.write(`\nresults: ${file}\n`);
}

await main();
