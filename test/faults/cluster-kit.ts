import { fileURLToPath } from 'node:url';
import {
  freePort,
  jsonLine,
  type SpawnedProcess,
  spawnTs,
  type TestRedis,
} from '@rollout-guard/shared/testing';
import { Redis } from 'ioredis';

// What the fault suites on a Redis Cluster share: the services as real processes on the cluster,
// OTLP/JSON batches sent the way an OpenTelemetry exporter sends them, and a node stopped in place.

const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = (service: 'collector' | 'evaluator') =>
  fileURLToPath(new URL(`../../services/${service}/src/main.ts`, import.meta.url));

export interface ServiceOnCluster {
  readonly process: SpawnedProcess;
  /** The collector's base URL, or the evaluator's health server. */
  readonly url: string;
}

/** Starts a collector or an evaluator on `redisUrl`; resolves once it listens. */
export async function spawnService(
  service: 'collector' | 'evaluator',
  redisUrl: string,
  env: Record<string, string> = {},
): Promise<ServiceOnCluster> {
  const port = String(await freePort());
  const { REDIS_URL: _ignored, ...inherited } = process.env;
  const started = spawnTs({
    args: [entry(service)],
    cwd: root,
    env: {
      ...inherited,
      REDIS_URL: redisUrl,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...(service === 'collector' ? { PORT: port } : { HEALTH_PORT: port, TICK_MS: '500' }),
      ...env,
    },
  });
  const ready = service === 'collector' ? 'collector listening' : 'evaluator health server listening';
  // The readiness line is logged at info: wait for the health endpoint instead of the log.
  const url = `http://127.0.0.1:${port}`;
  // Generous: four services starting at once under tsx take a while on a busy machine.
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (started.child.exitCode !== null) {
      throw new Error(`the ${service} exited before it was ready:\n${started.lines.slice(-20).join('\n')}`);
    }
    const ok = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`the ${service} was not ready (${ready}) within 90 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { process: started, url };
}

/** Lines a process logged at error level or above. */
export function errorsOf(service: ServiceOnCluster): string[] {
  return service.process.lines.filter((line) => ((jsonLine(line)?.level as number | undefined) ?? 0) >= 50);
}

const variant = (value: string) => [{ key: 'feature_flag.result.variant', value: { stringValue: value } }];

/** One OTLP/JSON export of delta counters `requests_total` and `errors_total` per cohort. */
export function otlpCounters(
  cohorts: Record<string, { requests: number; errors: number }>,
  now = Date.now(),
) {
  const nanos = (ms: number) => `${ms}000000`;
  const sum = (name: string, pick: (c: { requests: number; errors: number }) => number) => ({
    name,
    sum: {
      aggregationTemporality: 1,
      isMonotonic: true,
      dataPoints: Object.entries(cohorts).map(([cohort, c]) => ({
        attributes: variant(cohort),
        startTimeUnixNano: nanos(now - 1000),
        timeUnixNano: nanos(now),
        asInt: String(pick(c)),
      })),
    },
  });
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
        scopeMetrics: [
          { metrics: [sum('requests_total', (c) => c.requests), sum('errors_total', (c) => c.errors)] },
        ],
      },
    ],
  };
}

/**
 * Posts one export until a collector acknowledges it, as an OTel exporter does: 503, 429 and network
 * errors are retried (on the next collector of the list); anything else is a failure of the test.
 * Resolves with how many attempts it took.
 */
export async function sendUntilAcknowledged(
  collectors: readonly string[],
  body: object,
  deadlineMs = 60_000,
): Promise<number> {
  const text = JSON.stringify(body);
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 1; ; attempt++) {
    const url = collectors[attempt % collectors.length];
    const status = await fetch(`${url}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: text,
      signal: AbortSignal.timeout(5_000),
    }).then(
      async (response) => {
        await response.body?.cancel();
        return response.status;
      },
      () => 0,
    );
    if (status === 200) return attempt;
    if (status !== 0 && status !== 503 && status !== 429) throw new Error(`the collector answered ${status}`);
    if (Date.now() > deadline)
      throw new Error(`no collector acknowledged the export within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function pidOf(node: TestRedis): Promise<number> {
  const client = new Redis(node.url, { maxRetriesPerRequest: 1 });
  try {
    const info = String(await client.info('server'));
    return Number(/process_id:(\d+)/.exec(info)?.[1]);
  } finally {
    client.disconnect();
  }
}

/**
 * Cuts `replica` off its master's replication stream until the returned function is called: the
 * replica is stopped (SIGSTOP, so it cannot reconnect) and the master drops its link, so writes from
 * now on reach the master only. (Stopping the replica alone is not enough: its kernel would still
 * take the stream in.)
 */
export async function holdReplica(master: TestRedis, replica: TestRedis): Promise<() => void> {
  const pid = await pidOf(replica);
  process.kill(pid, 'SIGSTOP');
  const client = new Redis(master.url, { maxRetriesPerRequest: 1 });
  try {
    await client.call('CLIENT', 'KILL', 'TYPE', 'replica');
  } finally {
    client.disconnect();
  }
  return () => process.kill(pid, 'SIGCONT');
}

/** The replica that follows `master` (by its port), asked of the replicas themselves. */
export async function replicaOf(master: TestRedis, replicas: readonly TestRedis[]): Promise<TestRedis> {
  for (const replica of replicas) {
    const client = new Redis(replica.url, { maxRetriesPerRequest: 1 });
    try {
      const info = String(await client.info('replication'));
      if (info.includes(`master_port:${master.port}`)) return replica;
    } finally {
      client.disconnect();
    }
  }
  throw new Error(`no replica follows the master on port ${master.port}`);
}
