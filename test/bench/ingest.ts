/**
 * `pnpm bench:ingest`: remote-write ingest of the collector and of Debian's Prometheus
 * (`--web.enable-remote-write-receiver`), in one run, with the same pre-encoded payloads, for each
 * payload shape asked for (`BENCH_SHAPES`: the default shape and its 1%-matching twin unless told;
 * `all` for the matrix in `shapes.ts`, one axis at a time around the default shape); OTLP protobuf
 * ingest and two collectors on one Redis, the collector alone; the collector's RSS. Loopback only;
 * every loop is bounded in count and in time.
 *
 * Every shape runs in rounds (BENCH_ROUNDS, default 3), each the collector and Prometheus back to back
 * on the same payloads, in alternating order: a shared machine's speed drifts by tens of percent within
 * minutes, and a pair of runs a few seconds apart sees the same machine. The ratio reported is the
 * median of the rounds' ratios (nearest rank: the lower middle one when the rounds are even).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient } from '../../scripts/demo/api-client.ts';
import { type Stack, startStack } from '../../scripts/demo/stack.ts';
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
import { startReplicatedRedis } from './bench-redis.ts';
import { type DriveOptions, drive, type RunResult, withServerTimes } from './ingest-drive.ts';
import { otlpPayloads, type PayloadPlan, remoteWritePayloads, seriesPerRequestOf } from './payloads.ts';
import {
  DEFAULT_SHAPE,
  measuredRequests,
  type Shape,
  senderRolloutSpec,
  shapePlan,
  shapesNamed,
} from './shapes.ts';

const WARMUP_REQUESTS = 5;
/** Samples per measured run (all senders): sets each shape's requests per sender (see `measuredRequests`). */
const SAMPLES_PER_RUN = Number(process.env.BENCH_SAMPLES ?? 400_000);
/** BENCH_REQUESTS: requests per sender and round for every shape, 5 of them warm-up (overrides BENCH_SAMPLES). */
const REQUESTS = process.env.BENCH_REQUESTS === undefined ? undefined : Number(process.env.BENCH_REQUESTS);
const RUN_LIMIT_MS = Number(process.env.BENCH_RUN_MS ?? 30_000);
/**
 * BENCH_WARMUP_SAMPLES: samples each target takes, in rounds of the first shape, before the first
 * measured round, their figures not kept. A fresh collector runs its first two million samples or so up
 * to a third slower than later ones while V8 compiles its hot paths; without this, whichever shape comes
 * first would be measured on a cold process.
 */
const WARMUP_SAMPLES = Math.max(0, Number(process.env.BENCH_WARMUP_SAMPLES ?? 2_000_000));
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
// BENCH_REDIS_STATS=1: Redis's time per command over each collector run (INFO commandstats).
const REDIS_STATS = process.env.BENCH_REDIS_STATS === '1';
/**
 * BENCH_WAIT_REPLICAS=N: the bench's Redis gets N replicas and the collector acknowledges a batch only
 * once they have it (INGEST_WAIT_REPLICAS=N). BENCH_REPLICAS=N gives the Redis N replicas without WAIT:
 * the cost of WAIT alone is a run with BENCH_WAIT_REPLICAS=1 against one with BENCH_REPLICAS=1, since both
 * pay the master's replication.
 */
const WAIT_REPLICAS = Number(process.env.BENCH_WAIT_REPLICAS ?? 0);
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? WAIT_REPLICAS);
if (!(Number.isInteger(REPLICAS) && REPLICAS >= WAIT_REPLICAS && WAIT_REPLICAS >= 0)) {
  throw new Error(
    `BENCH_REPLICAS (${REPLICAS}) must be a whole number, at least BENCH_WAIT_REPLICAS (${WAIT_REPLICAS})`,
  );
}
// BENCH_ONLY=collector skips Prometheus (for profiling runs).
const ONLY = process.env.BENCH_ONLY;
/**
 * BENCH_CASES=otlp-100,otlp-1,rw2-100 (default: all): the collector-only runs, on the default shape.
 * `rw2-100`: two collector processes on one Redis, the senders' series split between them as
 * Prometheus splits them with `hashmod` relabelling over two remote_write entries. `rw-100` and `rw-1`
 * stand for the shapes `default` and `matching-1pct` when BENCH_SHAPES is not set.
 */
const CASES = new Set((process.env.BENCH_CASES ?? 'rw-100,rw-1,otlp-100,otlp-1,rw2-100').split(','));
const SHAPES = shapesNamed(
  process.env.BENCH_SHAPES ??
    [CASES.has('rw-100') ? 'default' : '', CASES.has('rw-1') ? 'matching-1pct' : ''].join(','),
);

const REMOTE_WRITE_HEADERS = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
};
const OTLP_HEADERS = { 'content-type': 'application/x-protobuf' };
const NO_RSS = { peakMiB: Number.NaN, lastMiB: Number.NaN, samples: 0 };

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

/**
 * A rollout per sender for the runs that follow (`bench-<scenario>-s<n>`), the previous scenario's
 * aborted, so every run starts with rollouts holding no series (the cap counts a rollout's last hour).
 */
function senderRollouts(collectorUrl: string) {
  const api = apiClient(collectorUrl);
  let active: string[] = [];
  return async (scenario: string, senders: number) => {
    for (const name of active) await api.act(name, 'abort', 'benchmark: next payload shape');
    active = Array.from({ length: senders }, (_, s) => `bench-${scenario}-s${s}`);
    for (const [s, name] of active.entries()) {
      await api.putSpec(name, senderRolloutSpec(name, 'bench-flag', s));
      await api.act(name, 'start', 'benchmark');
    }
    // The collector learns of rollouts started through its API at once, of the others within a second.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
  };
}

/** What a shape's table row says beside its rounds' figures. */
interface ShapeFacts {
  bodyKiB: number;
  /** The load average as its first round began. */
  load: number;
  /** The collector's highest RSS while its rounds ran (after the first shape's warm-up). */
  rssPeakMiB: number;
}

/** The remote-write matrix: per shape and round, the collector and Prometheus on the same payloads. */
async function benchShapes(
  stack: Stack,
  useRollouts: ReturnType<typeof senderRollouts>,
  results: RunResult[],
  shapeFacts: Map<string, ShapeFacts>,
) {
  const prometheus = ONLY === 'collector' ? undefined : await startPrometheus();
  let rss = NO_RSS;
  try {
    for (const [index, shape] of SHAPES.entries()) {
      await useRollouts(shape.name, shape.senders);
      const requests = REQUESTS ?? measuredRequests(shape, SAMPLES_PER_RUN) + WARMUP_REQUESTS;
      const samplesPerRound = requests * shape.senders * seriesPerRequestOf(shape);
      const warmupRounds = index === 0 ? Math.ceil(WARMUP_SAMPLES / samplesPerRound) : 0;
      // Each round's requests follow the round before's, a second apart, the last a minute ago.
      const startMs = Date.now() - ((warmupRounds + ROUNDS) * requests + 60) * 1_000;
      for (let w = 0; w < warmupRounds; w++) {
        process.stdout.write(`warm-up, ${shape.name}, round ${w + 1} of ${warmupRounds} (not kept)…\n`);
        await warmUp(shapePlan(shape, requests, startMs, w), {
          collector: `${stack.collectorUrl}/api/v1/write`,
          ...(prometheus === undefined ? {} : { prometheus: prometheus.url }),
        });
      }
      const facts: ShapeFacts = {
        bodyKiB: Number.NaN,
        load: loadavg()[0] ?? Number.NaN,
        rssPeakMiB: Number.NaN,
      };
      shapeFacts.set(shape.name, facts);
      // The collector's RSS over this shape's rounds: which shape takes the run's peak.
      const collectorPid = stack.pids.collector;
      const shapeRss = collectorPid === undefined ? undefined : sampleRss(collectorPid);
      for (let r = 0; r < ROUNDS; r++) {
        const plan = shapePlan(shape, requests, startMs, warmupRounds + r);
        const payloads = remoteWritePayloads(plan);
        const body = payloads[0]?.[0];
        if (r === 0 && body !== undefined) {
          facts.bodyKiB = body.length / 1024;
          facts.load = loadavg()[0] ?? Number.NaN;
        }
        const label = {
          shape: shape.name,
          protocol: 'remote write',
          matching: matchingText(shape),
          round: r + 1,
        };
        const options: Omit<DriveOptions, 'pids'> = {
          samplesPerRequest: seriesPerRequestOf(plan),
          warmupRequests: WARMUP_REQUESTS,
          runLimitMs: RUN_LIMIT_MS,
          headers: REMOTE_WRITE_HEADERS,
        };
        const ours = async () => {
          process.stdout.write(`${shape.name}, round ${r + 1}: collector…\n`);
          keep(
            results,
            await withServerTimes(stack.collectorUrl, stack.redisUrl, REDIS_STATS, () =>
              drive({ target: 'collector', ...label }, `${stack.collectorUrl}/api/v1/write`, payloads, {
                ...options,
                pids: [stack.pids.collector],
              }),
            ),
          );
        };
        const theirs = async () => {
          if (prometheus === undefined) return;
          process.stdout.write(`${shape.name}, round ${r + 1}: prometheus…\n`);
          keep(
            results,
            await drive({ target: 'prometheus', ...label }, prometheus.url, payloads, {
              ...options,
              pids: [prometheus.pid],
            }),
          );
        };
        // Alternating order: a machine speeding up or slowing down over the rounds favours neither.
        for (const run of r % 2 === 0 ? [ours, theirs] : [theirs, ours]) await run();
      }
      facts.rssPeakMiB = shapeRss?.stop().peakMiB ?? Number.NaN;
    }
  } finally {
    rss = (await prometheus?.stop()) ?? NO_RSS;
  }
  return rss;
}

/** A round whose figures are not kept: each target in turn takes the plan's payloads. */
async function warmUp(plan: PayloadPlan, targets: Readonly<Record<string, string>>): Promise<void> {
  const payloads = remoteWritePayloads(plan);
  for (const [target, url] of Object.entries(targets)) {
    const label = { target, shape: plan.scenario, protocol: 'remote write', matching: '' };
    const run = await drive(label, url, payloads, {
      samplesPerRequest: seriesPerRequestOf(plan),
      warmupRequests: WARMUP_REQUESTS,
      runLimitMs: RUN_LIMIT_MS,
      headers: REMOTE_WRITE_HEADERS,
      pids: [],
    });
    const failure = run.firstError === undefined ? '' : ` (${run.firstError})`;
    process.stdout.write(
      `  ${target}: ${run.samplesPerSecond.toLocaleString('en')} samples/s, ${run.failed} failed${failure}\n`,
    );
  }
}

/** Keeps a run's result and prints it at once: a run cut short still leaves the figures it had. */
function keep(results: RunResult[], result: RunResult): void {
  results.push(result);
  process.stdout.write(
    `  ${result.samplesPerSecond.toLocaleString('en')} samples/s, p99 ${Math.round(result.p99Ms)} ms, ${result.cpuUsPerSample.toFixed(2)} µs/sample, ${result.failed} failed\n`,
  );
}

const matchingText = (shape: Pick<Shape, 'matchingShare'>) => `${Math.round(shape.matchingShare * 100)}%`;

/** OTLP protobuf, the default shape's series as OTLP sums, every series matching and 1%. */
async function benchOtlp(stack: Stack, results: RunResult[]) {
  const requests = REQUESTS ?? measuredRequests(DEFAULT_SHAPE, SAMPLES_PER_RUN) + WARMUP_REQUESTS;
  const startMs = Date.now() - (requests + 60) * 1_000;
  for (const [name, share] of [
    ['otlp-100', 1],
    ['otlp-1', 0.01],
  ] as const) {
    if (!CASES.has(name)) continue;
    const shape = { ...DEFAULT_SHAPE, name, matchingShare: share };
    process.stdout.write(`collector, OTLP protobuf, ${matchingText(shape)} matching…\n`);
    const payloads = otlpPayloads(shapePlan(shape, requests, startMs, 0));
    results.push(
      await withServerTimes(stack.collectorUrl, stack.redisUrl, REDIS_STATS, () =>
        drive(
          { target: 'collector', shape: name, protocol: 'OTLP protobuf', matching: matchingText(shape) },
          `${stack.collectorUrl}/v1/metrics`,
          payloads,
          {
            samplesPerRequest: shape.seriesPerRequest,
            warmupRequests: WARMUP_REQUESTS,
            runLimitMs: RUN_LIMIT_MS,
            headers: OTLP_HEADERS,
            pids: [stack.pids.collector],
          },
        ),
      ),
    );
  }
}

/**
 * A second collector process on the same Redis; senders 0 and 2 go to the first, 1 and 3 to the
 * second, each keeping its series. Returns the larger of the two collectors' RSS.
 */
async function benchTwoCollectors(results: RunResult[], first: Stack) {
  const requests = REQUESTS ?? measuredRequests(DEFAULT_SHAPE, SAMPLES_PER_RUN) + WARMUP_REQUESTS;
  const shape = { ...DEFAULT_SHAPE, name: 'rw2-100' };
  const payloads = remoteWritePayloads(shapePlan(shape, requests, Date.now() - (requests + 60) * 1_000, 0));
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
        { target: 'collector ×2', shape: shape.name, protocol: 'remote write', matching: '100%' },
        [`${first.collectorUrl}/api/v1/write`, `${second.collectorUrl}/api/v1/write`],
        payloads,
        {
          samplesPerRequest: shape.seriesPerRequest,
          warmupRequests: WARMUP_REQUESTS,
          runLimitMs: RUN_LIMIT_MS,
          headers: REMOTE_WRITE_HEADERS,
          pids: [first.pids.collector, second.pids.collector],
        },
      ),
    );
    const each = samplers.map((s) => s.stop());
    return each.reduce((a, b) => (b.peakMiB > a.peakMiB ? b : a));
  } finally {
    await second.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** CPU time of the receiving process(es) per second of the run: how many cores it kept busy. */
function processCores(r: RunResult): number {
  return (r.samplesPerSecond * r.cpuUsPerSample) / 1e6;
}

/** The same for the collector's Redis, from its CPU time per request. */
function redisCores(r: RunResult): number {
  return r.redisCpuMs === undefined ? Number.NaN : (r.redisCpuMs * r.requests) / r.seconds / 1000;
}

/**
 * CPU per sample of the collector and its Redis together: what the collector's side of the machine
 * spends, as `prometheus µs/sample` is what Prometheus' does (it has no Redis).
 */
function withRedisUsPerSample(r: RunResult): number {
  return r.cpuUsPerSample + (redisCores(r) * 1e6) / r.samplesPerSecond;
}

/** Per shape: the medians over its rounds of the collector's and Prometheus' figures, and their ratio. */
function shapeRows(results: readonly RunResult[], shapeFacts: Map<string, ShapeFacts>) {
  return SHAPES.flatMap((shape) => {
    const of = (target: string) => results.filter((r) => r.shape === shape.name && r.target === target);
    const ours = of('collector');
    const theirs = of('prometheus');
    const ratios = ours.flatMap((o) => {
      const t = theirs.find((x) => x.round === o.round);
      return t === undefined ? [] : [o.samplesPerSecond / t.samplesPerSecond];
    });
    const median = (values: number[]) => percentile(values, 50);
    const ratio = median(ratios);
    const facts = shapeFacts.get(shape.name);
    return [
      {
        shape: shape.name,
        labels: shape.labelsPerSeries,
        kind: shape.kind,
        'series/req': shape.seriesPerRequest,
        senders: shape.senders,
        matching: matchingText(shape),
        'KiB/req': Math.round(facts?.bodyKiB ?? Number.NaN),
        load: facts?.load ?? Number.NaN,
        'collector samples/s': Math.round(median(ours.map((r) => r.samplesPerSecond))),
        'prometheus samples/s': Math.round(median(theirs.map((r) => r.samplesPerSecond))),
        'collector / prometheus': ratio,
        lowest: Math.min(...ratios),
        highest: Math.max(...ratios),
        'collector µs/sample': median(ours.map((r) => r.cpuUsPerSample)),
        'collector + redis µs/sample': median(ours.map(withRedisUsPerSample)),
        'prometheus µs/sample': median(theirs.map((r) => r.cpuUsPerSample)),
        // Cores kept busy: about 1 or a little more (GC helper threads) for the collector means its
        // one JavaScript thread is the limit.
        'collector cores': median(ours.map(processCores)),
        'redis cores': median(ours.map(redisCores)),
        'prometheus cores': median(theirs.map(processCores)),
        'collector p99 ms': median(ours.map((r) => r.p99Ms)),
        'collector failed': ours.reduce((sum, r) => sum + r.failed, 0),
        'prometheus p99 ms': median(theirs.map((r) => r.p99Ms)),
        'collector RSS peak MiB': facts?.rssPeakMiB ?? Number.NaN,
        '≥ 1.0×': shape.matchingShare < 1 ? '(1%)' : Number.isNaN(ratio) ? '' : ratio >= 1 ? 'yes' : 'no',
      },
    ];
  });
}

async function main() {
  const info = machine();
  process.stdout.write(`machine: ${machineText(info)} · load average at start: ${loadavg().join(', ')}\n`);
  const results: RunResult[] = [];
  const shapeFacts = new Map<string, ShapeFacts>();
  const dataDir = mkdtempSync(join(tmpdir(), 'rg-bench-ingest-'));
  const replicated = REPLICAS > 0 ? await startReplicatedRedis(REPLICAS) : undefined;
  const stack = await startStack({
    root,
    dataDir,
    collectorPort: 0,
    ...(replicated === undefined ? {} : { redisUrl: replicated.url }),
    env: {
      LOG_LEVEL: 'warn',
      ...(WAIT_REPLICAS > 0 ? { INGEST_WAIT_REPLICAS: String(WAIT_REPLICAS) } : {}),
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
    const useRollouts = senderRollouts(stack.collectorUrl);
    const collectorPid = stack.pids.collector;
    const sampler = collectorPid === undefined ? undefined : sampleRss(collectorPid);
    if (SHAPES.length > 0) prometheusRss = await benchShapes(stack, useRollouts, results, shapeFacts);
    if (CASES.has('otlp-100') || CASES.has('otlp-1') || CASES.has('rw2-100')) {
      await useRollouts('collector-only', DEFAULT_SHAPE.senders);
    }
    await benchOtlp(stack, results);
    if (sampler !== undefined) rss = sampler.stop();
    if (CASES.has('rw2-100')) rss2 = await benchTwoCollectors(results, stack);
  } catch (error) {
    // The collector's own account of what went wrong, before its directory goes.
    const log = join(stack.logDir, 'collector.log');
    if (existsSync(log))
      process.stderr.write(`collector log (end):\n${readFileSync(log, 'utf8').slice(-4000)}\n`);
    throw error;
  } finally {
    await stack.stop();
    await replicated?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  printTable(
    `every run — ${RUN_LIMIT_MS / 1000} s at most each${REPLICAS > 0 ? `, ${REPLICAS} replica(s), INGEST_WAIT_REPLICAS=${WAIT_REPLICAS}` : ''}`,
    results.map((r) => ({
      shape: r.shape,
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
  const shapes = shapeRows(results, shapeFacts);
  printTable(
    `remote write, collector / Prometheus ${/\d+\.\d+\.\d+/.exec(String(info.prometheus))?.[0] ?? ''} per payload shape: medians of ${ROUNDS} paired rounds`,
    shapes,
  );
  printTable('resident memory under the runs above (MiB)', [
    { process: 'collector', peak: rss.peakMiB, last: rss.lastMiB },
    { process: 'collector ×2 (largest)', peak: rss2.peakMiB, last: rss2.lastMiB },
    { process: 'prometheus', peak: prometheusRss.peakMiB, last: prometheusRss.lastMiB },
  ]);
  for (const r of results) {
    if (r.firstError !== undefined)
      process.stdout.write(`${r.shape} ${r.target} round ${r.round ?? '-'}: first failure ${r.firstError}\n`);
  }
  process.stdout.write(`load average at the end: ${loadavg().join(', ')}\n`);
  const file = writeResults('ingest', {
    machine: info,
    settings: {
      WARMUP_REQUESTS,
      WARMUP_SAMPLES,
      SAMPLES_PER_RUN,
      REQUESTS,
      RUN_LIMIT_MS,
      ROUNDS,
      REPLICAS,
      WAIT_REPLICAS,
    },
    shapes,
    results,
    rss: { collector: rss, collectorOfTwo: rss2, prometheus: prometheusRss },
  });
  process.stdout.write(`\nresults: ${file}\n`);
}

await main();
