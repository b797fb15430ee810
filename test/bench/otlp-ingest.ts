/**
 * `pnpm tsx test/bench/otlp-ingest.ts`: the collector's OTLP ingest against its own remote write, in
 * one run on one collector: remote write, OTLP protobuf and OTLP/JSON carry the same series (every one
 * matching the rollout) one after another in each round, the order rotating round by round so that a
 * shared machine's drift favours none. The figure is OTLP's samples/s over remote write's in the same
 * round, the median over the rounds. Each protocol and round has series of its own (fresh state), and
 * each sender's first requests are a warm-up (JIT, connections, series creation), not counted.
 *
 * BENCH_ROUNDS (default 3) after BENCH_WARMUP_ROUNDS not counted (default 3), BENCH_REQUESTS per
 * sender (default 60), BENCH_SERIES per request (1,500), BENCH_PROTOCOLS (default all:
 * `rw,protobuf,json`; one alone profiles it with BENCH_PROFILE=<dir>).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient } from '../../scripts/demo/api-client.ts';
import { startStack } from '../../scripts/demo/stack.ts';
import { ExportMetricsServiceRequest } from '../../services/collector/src/protocols/otlp-schema.ts';
import {
  machine,
  machineText,
  percentile,
  printTable,
  processCpuMs,
  root,
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
const SERIES = Number(process.env.BENCH_SERIES ?? 1_500);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 60);
const WARMUP = 5;
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
/**
 * BENCH_WARMUP_ROUNDS (default 3): rounds of every protocol before the measured ones, their figures
 * printed and not kept. A fresh collector runs slower while V8 compiles its hot paths, OTLP's for
 * longer than remote write's: one round (360,000 samples a protocol) left OTLP protobuf at 0.79× of
 * remote write, where three gave 0.86×.
 */
const WARMUP_ROUNDS = Math.max(0, Number(process.env.BENCH_WARMUP_ROUNDS ?? 3));

type Protocol = 'remote write' | 'OTLP protobuf' | 'OTLP/JSON';
const PROTOCOL_NAMES: Readonly<Record<string, Protocol>> = {
  rw: 'remote write',
  protobuf: 'OTLP protobuf',
  json: 'OTLP/JSON',
};
const PROTOCOLS: readonly Protocol[] = (process.env.BENCH_PROTOCOLS ?? 'rw,protobuf,json')
  .split(',')
  .map((name) => {
    const protocol = PROTOCOL_NAMES[name.trim()];
    if (protocol === undefined) throw new Error(`BENCH_PROTOCOLS: "${name}" is not rw, protobuf or json`);
    return protocol;
  });

const HEADERS: Record<Protocol, Record<string, string>> = {
  'remote write': {
    'content-type': 'application/x-protobuf',
    'content-encoding': 'snappy',
    'x-prometheus-remote-write-version': '0.1.0',
  },
  'OTLP protobuf': { 'content-type': 'application/x-protobuf' },
  'OTLP/JSON': { 'content-type': 'application/json' },
};

const spec = `apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: bench-otlp }
spec:
  flag: ${BENCH_FLAG}
  match: { job: bench }
  waves: [{ percent: 50, bake: 1h }, { percent: 100, bake: 1h }]
  guardrails:
    - { name: request-rate, metric: ${ROLLOUT_METRIC}, aggregate: rate, allowed: { max: 1e12 } }
`;

/** The same OTLP requests as OTLP/JSON, as the specification maps protobuf to JSON. */
function asJson(bodies: Buffer[][]): Buffer[][] {
  return bodies.map((mine) =>
    mine.map((body) => {
      const message = ExportMetricsServiceRequest.decode(body);
      const plain = ExportMetricsServiceRequest.toObject(message, { longs: String, enums: Number });
      return Buffer.from(JSON.stringify(plain));
    }),
  );
}

/** Requests are a second apart, each round's after the round before, all in the past. */
const firstMs = Date.now() - ((WARMUP_ROUNDS + ROUNDS) * REQUESTS + 120) * 1_000;

/**
 * Each protocol its own series, the same in every round (a rollout takes 20,000 active series), later
 * in time each round (the warm-up's rounds first).
 */
function payloads(protocol: Protocol, round: number): Buffer[][] {
  const plan: PayloadPlan = {
    scenario: protocol.replace(/\W/g, ''),
    senders: SENDERS,
    seriesPerRequest: SERIES,
    requestsPerSender: REQUESTS,
    matchingShare: 1,
    startMs: firstMs,
    firstRequest: (round - 1) * REQUESTS,
  };
  if (protocol === 'remote write') return remoteWritePayloads(plan);
  // OTLP payloads count their times from `startMs`, not from `firstRequest`.
  const otlp = otlpPayloads({ ...plan, startMs: firstMs + (round - 1) * REQUESTS * 1_000 });
  return protocol === 'OTLP/JSON' ? asJson(otlp) : otlp;
}

function send(
  agent: Agent,
  url: URL,
  body: Buffer,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      agent,
      headers: { ...headers, 'content-length': body.length },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (text.length < 500) text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timed out after 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Tries before a request answered 503 or 429 (a shared machine's Redis may time out) fails the run. */
const TRIES = 5;

/**
 * Each sender sends its bodies in turn (closed loop), retrying a 503 or 429 after a second as an
 * exporter would; samples/s and CPU µs per sample over all but the warm-up, and the retries made.
 */
async function run(url: URL, bodies: Buffer[][], headers: Record<string, string>, pid: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: SENDERS });
  let retries = 0;
  const store = async (body: Buffer) => {
    for (let attempt = 1; ; attempt++) {
      const { status, text } = await send(agent, url, body, headers);
      if (status >= 200 && status <= 299) return;
      if ((status !== 503 && status !== 429) || attempt >= TRIES) {
        throw new Error(`${url} answered ${status} (attempt ${attempt}): ${text}`);
      }
      retries++;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  };
  const each = (part: (mine: Buffer[]) => Buffer[]) =>
    Promise.all(
      bodies.map(async (mine) => {
        let stored = 0;
        for (const body of part(mine)) {
          await store(body);
          stored += SERIES;
        }
        return stored;
      }),
    );
  try {
    await each((mine) => mine.slice(0, WARMUP));
    retries = 0;
    const cpuBefore = processCpuMs(pid);
    const started = performance.now();
    const samples = (await each((mine) => mine.slice(WARMUP))).reduce((a, b) => a + b, 0);
    const seconds = (performance.now() - started) / 1000;
    return {
      samplesPerSecond: Math.round(samples / seconds),
      cpuUsPerSample: ((processCpuMs(pid) - cpuBefore) * 1000) / samples,
      retries,
    };
  } finally {
    agent.destroy();
  }
}

async function main() {
  const info = machine();
  process.stdout.write(`machine: ${machineText(info)}\n`);
  const dataDir = mkdtempSync(join(tmpdir(), 'rg-bench-otlp-'));
  const stack = await startStack({
    root,
    dataDir,
    collectorPort: 0,
    env: { LOG_LEVEL: 'warn' },
    services: ['collector'],
    appendOnly: true,
    nodeArgs: {
      collector:
        process.env.BENCH_PROFILE === undefined
          ? []
          : ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`],
    },
  });
  const rows: {
    round: number;
    protocol: Protocol;
    'samples/s': number;
    'cpu µs/sample': number;
    retries: number;
  }[] = [];
  try {
    const pid = stack.pids.collector;
    if (pid === undefined) throw new Error('the collector has no process id');
    const api = apiClient(stack.collectorUrl);
    await api.putSpec('bench-otlp', spec);
    await api.act('bench-otlp', 'start', 'benchmark');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const urls: Record<Protocol, URL> = {
      'remote write': new URL(`${stack.collectorUrl}/api/v1/write`),
      'OTLP protobuf': new URL(`${stack.collectorUrl}/v1/metrics`),
      'OTLP/JSON': new URL(`${stack.collectorUrl}/v1/metrics`),
    };
    for (let inTime = 1; inTime <= WARMUP_ROUNDS + ROUNDS; inTime++) {
      const round = inTime - WARMUP_ROUNDS;
      const order = PROTOCOLS.map((_, i) => PROTOCOLS[(i + inTime - 1) % PROTOCOLS.length] as Protocol);
      for (const protocol of order) {
        const bodies = payloads(protocol, inTime);
        process.stdout.write(
          round < 1 ? `warm-up (not kept): ${protocol}…\n` : `round ${round}: ${protocol}…\n`,
        );
        const result = await run(urls[protocol], bodies, HEADERS[protocol], pid);
        if (round >= 1)
          rows.push({
            round,
            protocol,
            'samples/s': result.samplesPerSecond,
            'cpu µs/sample': result.cpuUsPerSample,
            retries: result.retries,
          });
        process.stdout.write(
          `  ${result.samplesPerSecond} samples/s, ${result.cpuUsPerSample.toFixed(2)} cpu µs/sample\n`,
        );
      }
    }
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const of = (round: number, protocol: Protocol) =>
    rows.find((r) => r.round === round && r.protocol === protocol)?.['samples/s'] ?? Number.NaN;
  const compared = PROTOCOLS.includes('remote write') ? PROTOCOLS.filter((p) => p !== 'remote write') : [];
  const ratios = compared.map((protocol) => {
    const each = rows
      .filter((r) => r.protocol === protocol)
      .map((r) => r['samples/s'] / of(r.round, 'remote write'));
    return {
      protocol,
      'median / remote write': percentile(each, 50),
      lowest: Math.min(...each),
      highest: Math.max(...each),
    };
  });
  printTable(`collector ingest, ${SENDERS} senders × ${SERIES} series/request, every series matching`, rows);
  printTable('OTLP over remote write, same round', ratios);
  process.stdout.write(`\nresults: ${writeResults('otlp-ingest', { machine: info, rows, ratios })}\n`);
}

await main();
