import { Agent, request } from 'node:http';
import { percentile, processCpuMs } from './bench-kit.ts';
import { redisCpuMs, withRedis } from './bench-redis.ts';

export interface RunResult {
  target: string;
  /** The payload shape (remote write), or the case's name for runs without a Prometheus counterpart. */
  shape: string;
  /** The round of a collector / Prometheus pair (1-based); undefined for runs without a Prometheus counterpart. */
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

export type RunLabel = Pick<RunResult, 'target' | 'shape' | 'round' | 'protocol' | 'matching'>;

export interface DriveOptions {
  /** Samples each request carries (counted for every request answered 2xx). */
  readonly samplesPerRequest: number;
  /** The first requests of each sender, sent before the clock starts (JIT, connections, series creation). */
  readonly warmupRequests: number;
  /** No request starts after this long. */
  readonly runLimitMs: number;
  readonly headers: Record<string, string>;
  /** The receiving processes, whose CPU time is measured over the timed part. */
  readonly pids: readonly (number | undefined)[];
}

/**
 * One closed-loop sender per `payloads` entry, each with its own series, sending its bodies in order
 * (to `url`, or with several URLs sender i always to the same one): samples/s over the measured part,
 * request latencies and the receivers' CPU time per sample.
 */
export async function drive(
  label: RunLabel,
  url: string | readonly string[],
  payloads: readonly Buffer[][],
  options: DriveOptions,
): Promise<RunResult> {
  const cpuMs = () =>
    options.pids.reduce((sum: number, pid) => sum + (pid === undefined ? Number.NaN : processCpuMs(pid)), 0);
  const agent = new Agent({ keepAlive: true, maxSockets: payloads.length });
  const targets = (typeof url === 'string' ? [url] : url).map((u) => new URL(u));
  const targetOf = (sender: number) => targets[sender % targets.length] as URL;
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let samples = 0;
  await Promise.all(
    payloads.map(async (mine, sender) => {
      for (const body of mine.slice(0, options.warmupRequests))
        await post(agent, targetOf(sender), body, options.headers);
    }),
  );
  const deadline = Date.now() + options.runLimitMs;
  const measuredFrom = performance.now();
  const cpuBefore = cpuMs();
  await Promise.all(
    payloads.map(async (mine, sender) => {
      for (const body of mine.slice(options.warmupRequests)) {
        if (Date.now() > deadline) return;
        const t0 = performance.now();
        const res = await post(agent, targetOf(sender), body, options.headers).catch((e: Error) => ({
          status: 0,
          text: e.message,
        }));
        latencies.push(performance.now() - t0);
        if (res.status >= 200 && res.status < 300) samples += options.samplesPerRequest;
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

/**
 * The collector's `/metrics`, on a connection of its own: a kept-alive one may be closing under the
 * request after the seconds of a run (the server's keep-alive timeout), so a failed fetch is tried again.
 */
async function metricsText(baseUrl: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`GET ${baseUrl}/metrics answered ${res.status}`);
      return await res.text();
    } catch (error) {
      if (attempt === 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Sum and count of one histogram in a Prometheus text exposition (all label sets added up). */
async function histogramTotals(baseUrl: string, name: string): Promise<{ sum: number; count: number }> {
  const text = await metricsText(baseUrl);
  let sum = 0;
  let count = 0;
  for (const line of text.split('\n')) {
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith(`${name}_sum`)) sum += value;
    else if (line.startsWith(`${name}_count`)) count += value;
  }
  return { sum, count };
}

/**
 * Runs `run` and adds the collector's own view: time per request in the server and waiting for
 * Redis; and Redis's CPU time per request (what its single thread really spent). With `commandStats`,
 * prints Redis's time per command over the run.
 */
export async function withServerTimes(
  collectorUrl: string,
  redisUrl: string,
  commandStats: boolean,
  run: () => Promise<RunResult>,
): Promise<RunResult> {
  const names = ['rollout_guard_ingest_request_duration_seconds', 'rollout_guard_ingest_redis_write_seconds'];
  const before = await Promise.all(names.map((n) => histogramTotals(collectorUrl, n)));
  if (commandStats) await withRedis(redisUrl, (redis) => redis.config('RESETSTAT'));
  const cpuBefore = await redisCpuMs(redisUrl);
  const result = await run();
  const cpuAfter = await redisCpuMs(redisUrl);
  if (commandStats) {
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
