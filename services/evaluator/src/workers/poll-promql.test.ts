import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEgress, defaultEgressPolicy } from '@rollout-guard/shared/egress';
import { rolloutSpecSchema } from '@rollout-guard/shared/spec';
import { createRolloutStore, operate, type RolloutStore } from '@rollout-guard/shared/store';
import { freePort, startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type TestReceiver } from '../delivery/test-receiver.ts';
import type { EvaluatorCore } from '../evaluator.ts';
import { startTestEvaluator } from '../evaluator-test-kit.ts';
import { promqlMeasurement } from '../measure/promql-measurement.ts';
import { cohortValues, queryPrometheus } from './poll-promql.ts';

// PromQL checks against Debian's real Prometheus, scraping a target this test serves: the query's series
// per cohort label become the check's values; a Prometheus that is down is counted, never a breach.

let server: TestRedis;
let redis: Redis;
let store: RolloutStore;
let target: Server;
let prometheus: ChildProcess;
let prometheusUrl: string;
let dir: string;
let receiver: TestReceiver;
let evaluator: EvaluatorCore;
let errorRatio = { on: 0.01, off: 0.01 };
// Prometheus and the target listen on loopback, which the default policy refuses.
const egress = createEgress({ ...defaultEgressPolicy, allowLoopback: true });
const query = { egress, timeoutMs: 2_000, maxBytes: 1024 * 1024 };

beforeAll(async () => {
  server = await startRedis({ appendonly: false });
  redis = new Redis(server.url);
  store = createRolloutStore(redis);
  target = createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(
      [
        '# TYPE checkout_error_ratio gauge',
        `checkout_error_ratio{variant="on"} ${errorRatio.on}`,
        `checkout_error_ratio{variant="off"} ${errorRatio.off}`,
        '',
      ].join('\n'),
    );
  });
  const targetPort = await freePort();
  await new Promise<void>((resolve) => target.listen(targetPort, '127.0.0.1', resolve));
  dir = mkdtempSync(join(tmpdir(), 'rg-prometheus-'));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:\n  - job_name: checkout\n    static_configs: [{ targets: ['127.0.0.1:${targetPort}'] }]\n`,
  );
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  // Up and scraped once: the query answers both series.
  const deadline = Date.now() + 30_000;
  while (
    (
      await queryPrometheus(prometheusUrl, 'checkout_error_ratio', { ...query, timeoutMs: 1_000 }).catch(
        () => [],
      )
    ).length < 2
  ) {
    if (Date.now() > deadline) throw new Error('prometheus did not scrape the test target within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}, 60_000);

afterAll(async () => {
  await evaluator?.close(500);
  await receiver?.close();
  prometheus?.kill('SIGKILL');
  await new Promise<void>((resolve) => target.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
  redis.disconnect();
  await server.stop();
  await egress.close();
});

function promqlSpec(name: string, url: string, receiverUrl: string) {
  return rolloutSpecSchema.parse({
    apiVersion: 'rollout-guard/v1',
    kind: 'Rollout',
    metadata: { name },
    spec: {
      flag: name,
      cohorts: { attribute: 'variant', treatment: 'on', control: 'off' },
      waves: [
        { percent: 25, bake: '1h' },
        { percent: 100, bake: '1h' },
      ],
      guardrails: [
        {
          name: 'error-ratio',
          metric: { promql: 'checkout_error_ratio', cohortLabel: 'variant', interval: '1s', url },
          allowed: { max: 0.03 },
        },
      ],
      actions: { rollback: [{ url: `${receiverUrl}/rollback` }] },
    },
  });
}

describe('poll-promql', () => {
  it('reads each cohort from a real Prometheus and rolls back when the treatment breaches', async () => {
    receiver = await startReceiver();
    evaluator = await startTestEvaluator(server.url);
    await store.putSpec({
      spec: promqlSpec('promql', prometheusUrl, receiver.url),
      source: '',
      contentType: 'application/json',
      actor: 'ana',
    });
    await operate(store, 'promql', 'start', 'ana');

    // Healthy first: polled values arrive, the guardrail is ok.
    await expect
      .poll(async () => (await store.getState('promql'))?.state.guardrails['error-ratio']?.outcome, {
        timeout: 15_000,
      })
      .toBe('ok');
    errorRatio = { on: 0.09, off: 0.01 };
    await expect
      .poll(() => receiver.requests.filter((r) => r.path === '/rollback').length, { timeout: 15_000 })
      .toBe(1);
    const body = JSON.parse(receiver.requests.find((r) => r.path === '/rollback')!.body);
    expect(body.data.reasons[0]).toMatchObject({ check: 'error-ratio', value: 0.09, allowed: { max: 0.03 } });
  }, 40_000);

  it('counts an unreachable Prometheus as an error, never as data', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    await expect(queryPrometheus(down, 'up', { ...query, timeoutMs: 500 })).rejects.toMatchObject({
      reason: 'network',
    });
    await expect(queryPrometheus(prometheusUrl, 'checkout_error_ratio[1m]', query)).rejects.toMatchObject({
      reason: 'answer',
    });
  });

  it('queries under the egress policy: a refused address is an error, and no request is sent', async () => {
    const strict = createEgress(defaultEgressPolicy);
    try {
      await expect(
        queryPrometheus(prometheusUrl, 'checkout_error_ratio', { ...query, egress: strict }),
      ).rejects.toMatchObject({
        reason: 'egress',
        message: expect.stringContaining('is a loopback address, refused by the egress policy'),
      });
    } finally {
      await strict.close();
    }
  });

  it('does not follow a redirect to another origin', async () => {
    const redirecting = createServer((_req, res) => {
      res.writeHead(302, { location: `${prometheusUrl}/api/v1/query?query=up` });
      res.end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const { port } = redirecting.address() as AddressInfo;
    try {
      await expect(queryPrometheus(`http://127.0.0.1:${port}`, 'up', query)).rejects.toMatchObject({
        reason: 'egress',
        message: expect.stringContaining('redirected to another origin'),
      });
    } finally {
      redirecting.close();
    }
  });

  it('reads an answer only up to its size cap', async () => {
    await expect(
      queryPrometheus(prometheusUrl, 'checkout_error_ratio', { ...query, maxBytes: 64 }),
    ).rejects.toMatchObject({
      reason: 'too-large',
      message: expect.stringContaining('more than 64 bytes (PROMQL_MAX_RESPONSE_BYTES)'),
    });
    expect(await queryPrometheus(prometheusUrl, 'checkout_error_ratio', query)).toHaveLength(2);
  });
});

describe('cohortValues', () => {
  it('picks the treatment and control series by the cohort label and ignores the rest', () => {
    expect(
      cohortValues(
        [
          { metric: { variant: 'on' }, value: [100, '0.5'] },
          { metric: { variant: 'off' }, value: [100, '0.25'] },
          { metric: { variant: 'beta' }, value: [100, '9'] },
          { metric: {}, value: [100, '7'] },
          { metric: { variant: 'on' }, value: [101, 'NaN'] },
        ],
        'variant',
        { treatment: 'on', control: 'off' },
      ),
    ).toEqual({ treatment: { value: 0.5, at: 100_000 }, control: { value: 0.25, at: 100_000 } });
  });
});

describe('promqlMeasurement', () => {
  const spec = promqlSpec('m', 'http://prometheus:9090', 'http://r');
  const check = spec.spec.guardrails[0]!;
  const wave = { percent: 25, minSamples: 100 };

  it('judges a fresh value as enough samples, and a stale one as no data', () => {
    expect(
      promqlMeasurement(check, wave, { treatment: { value: 0.05, at: 10_000 } }, 11_000)?.treatment,
    ).toEqual({
      samples: 100,
      value: 0.05,
      noInterval: 'a PromQL value has no confidence interval',
    });
    expect(
      promqlMeasurement(check, wave, { treatment: { value: 0.05, at: 10_000 } }, 14_000),
    ).toBeUndefined();
    expect(promqlMeasurement(check, wave, {}, 11_000)).toBeUndefined();
  });

  it('forms the difference to control for a control check as a point interval', () => {
    const controlCheck = { ...check, compare: 'control' as const };
    const m = promqlMeasurement(
      controlCheck,
      wave,
      { treatment: { value: 0.06, at: 10_000 }, control: { value: 0.04, at: 10_000 } },
      10_500,
    );
    expect(m?.difference?.absolute?.estimate).toBeCloseTo(0.02, 12);
    expect(m?.difference?.relative?.estimate).toBeCloseTo(0.5, 12);
    expect(m?.referenceKind).toBe('control');
    expect(m?.difference?.absolute?.noInterval).toBe('a PromQL value has no confidence interval');
  });
});
