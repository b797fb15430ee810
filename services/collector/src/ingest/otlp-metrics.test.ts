import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { gzipSync } from 'node:zlib';
import { readCohortStats } from '@rollout-guard/shared/store';
import { capturedLogger, startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExportMetricsServiceRequest, ExportMetricsServiceResponse } from '../protocols/otlp-schema.ts';
import { activeRollout, type IngestApp, startIngestApp } from './ingest-test-kit.ts';
import { DEFAULT_LIMITS } from './limits.ts';
import { Matcher } from './matcher.ts';

let server: TestRedis;
let kit: IngestApp;

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  await kit?.close();
  await server.flushAll();
  kit = await startIngestApp(server.url, [activeRollout({ metrics: ['contacts_total', 'queue_depth'] })]);
});

const nanos = (ms: number) => `${ms}000000`;

function request(
  points: Array<{ name?: string; value: unknown; variant?: string; timeMs?: number; extra?: object }>,
) {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'contact-center' } }] },
        scopeMetrics: [
          {
            metrics: points.map((p) => ({
              name: p.name ?? 'queue_depth',
              gauge: {
                dataPoints: [
                  {
                    timeUnixNano: nanos(p.timeMs ?? Date.now()),
                    asDouble: p.value,
                    attributes: [
                      { key: 'feature_flag.result.variant', value: { stringValue: p.variant ?? 'on' } },
                      ...Object.entries(p.extra ?? {}).map(([key, v]) => ({
                        key,
                        value: { stringValue: v },
                      })),
                    ],
                  },
                ],
              },
            })),
          },
        ],
      },
    ],
  };
}

const protobufBody = (body: object) =>
  ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(body)).finish();

function post(body: string | Uint8Array | null, headers: Record<string, string>) {
  return kit.app.request('/v1/metrics', { method: 'POST', body, headers });
}
const postJson = (body: object, headers: Record<string, string> = {}) =>
  post(JSON.stringify(body), { 'content-type': 'application/json', ...headers });

async function treatmentGauge() {
  return readCohortStats(kit.deps.redis, {
    rollout: 'copilot',
    metric: 'queue_depth',
    cohort: 'treatment',
    window: { kind: 'wave', waveEpoch: 1 },
  });
}

describe('POST /v1/metrics', () => {
  it('stores an OTLP/JSON batch and answers {} in JSON once stored', async () => {
    const res = await postJson(request([{ value: 3 }, { value: 5 }, { value: 9, variant: 'off' }]));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toEqual({});
    expect(await treatmentGauge()).toMatchObject({ kind: 'moments', count: 2, sum: 8 });
    expect(kit.stored).toEqual(['copilot']);
  });

  it('answers full success over HTTP as an empty protobuf message of zero bytes, on a connection kept alive', async () => {
    const http = await kit.listen();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (value: number) =>
      new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        const body = protobufBody(request([{ value }]));
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: http.port,
            path: '/v1/metrics',
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/x-protobuf', 'content-length': body.byteLength },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    try {
      for (const value of [4, 6]) {
        const res = await send(value);
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toBe('application/x-protobuf');
        expect(res.headers['content-length']).toBe('0');
        expect(res.headers['transfer-encoding']).toBeUndefined();
        expect(ExportMetricsServiceResponse.toObject(ExportMetricsServiceResponse.decode(res.body))).toEqual(
          {},
        );
      }
    } finally {
      agent.destroy();
    }
    expect(await treatmentGauge()).toMatchObject({ count: 2, sum: 10 });
  });

  it('stores gzipped protobuf and answers in protobuf', async () => {
    const res = await post(gzipSync(protobufBody(request([{ value: 4 }]))), {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const decoded = ExportMetricsServiceResponse.toObject(
      ExportMetricsServiceResponse.decode(new Uint8Array(await res.arrayBuffer())),
    );
    expect(decoded).toEqual({});
    expect(await treatmentGauge()).toMatchObject({ count: 1, sum: 4 });
  });

  it('counts a retried request once', async () => {
    const body = request([{ value: 2, timeMs: Date.now() }]);
    await postJson(body);
    expect((await postJson(body)).status).toBe(200);
    expect(await treatmentGauge()).toMatchObject({ count: 1, sum: 2 });
  });

  it('reports refused points as partial success and stores the rest', async () => {
    const res = await postJson(
      request([
        { value: 1 },
        { value: 1, timeMs: Date.now() - 24 * 3600_000 },
        { value: 1, extra: { big: 'x'.repeat(100_000) } },
      ]),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      partialSuccess: { rejectedDataPoints: string; errorMessage: string };
    };
    expect(body.partialSuccess.rejectedDataPoints).toBe('2');
    expect(body.partialSuccess.errorMessage).toContain('in the past');
    expect(body.partialSuccess.errorMessage).toContain('label value longer than');
    expect(await treatmentGauge()).toMatchObject({ count: 1 });
  });

  it('counts points no rollout reads as dropped, not refused', async () => {
    const res = await postJson(request([{ name: 'cpu_seconds', value: 1 }]));
    expect(await res.json()).toEqual({});
    expect(await kit.metrics.getSingleMetricAsString('rollout_guard_ingest_points_dropped_total')).toContain(
      'reason="unwanted-metric"} 1',
    );
  });

  const gzipBomb = gzipSync(Buffer.alloc(80 * 1024 * 1024));
  const PROTOBUF = { 'content-type': 'application/x-protobuf' };
  const JSON_TYPE = { 'content-type': 'application/json' };
  it.each([
    {
      name: 'truncated protobuf',
      status: 400,
      says: /protobuf/,
      send: () => post(protobufBody(request([{ value: 1 }])).subarray(0, 20), PROTOBUF),
    },
    {
      name: 'invalid JSON',
      status: 400,
      says: /not valid JSON/,
      send: () => post('{"resourceMetrics": [', JSON_TYPE),
    },
    { name: 'an empty JSON body', status: 400, says: /JSON/, send: () => post('', JSON_TYPE) },
    {
      name: 'a gzip bomb',
      status: 413,
      says: /limit/,
      send: () => post(gzipBomb, { ...PROTOBUF, 'content-encoding': 'gzip' }),
    },
    {
      name: 'a body over the request limit',
      status: 413,
      says: /limit/,
      send: () => post(Buffer.alloc(9 * 1024 * 1024), PROTOBUF),
    },
    {
      name: 'corrupt gzip',
      status: 400,
      says: /gzip/,
      send: () => post(Buffer.from('not gzip at all'), { ...JSON_TYPE, 'content-encoding': 'gzip' }),
    },
    {
      name: 'a wrong content type',
      status: 415,
      says: /application\/x-protobuf or application\/json/,
      send: () => post('{}', { 'content-type': 'text/plain' }),
    },
    { name: 'no content type', status: 415, says: /Content-Type/, send: () => post('{}', {}) },
    {
      name: 'an unknown encoding',
      status: 415,
      says: /Content-Encoding "br"/,
      send: () => post('{}', { ...JSON_TYPE, 'content-encoding': 'br' }),
    },
  ])(
    'answers $name with $status and says what is wrong, then still serves',
    async ({ status, says, send }) => {
      const res = await send();
      expect(res.status).toBe(status);
      const text = await res.text();
      if (res.headers.get('content-type') === 'application/x-protobuf') {
        // google.rpc.Status: field 2 is the message.
        expect(text).toMatch(says);
      } else {
        expect((JSON.parse(text) as { message: string }).message).toMatch(says);
      }
      expect((await postJson(request([{ value: 1 }]))).status).toBe(200);
    },
  );

  it('rejects NaN and ±Inf values in the partial-success count', async () => {
    const res = await postJson(
      request([{ value: 'NaN' }, { value: 'Infinity' }, { value: '-Infinity' }, { value: 1 }]),
    );
    expect(res.status).toBe(200);
    expect(await treatmentGauge()).toMatchObject({ count: 1, sum: 1 });
  });

  it('answers 503 with Retry-After while Redis is down, and stores again once it is back', async () => {
    await server.kill9();
    const res = await postJson(request([{ value: 7 }]));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as { message: string }).message).toMatch(/Redis is not reachable/);
    await server.restart();
    await expect
      .poll(async () => (await postJson(request([{ value: 7 }]))).status, { timeout: 10_000 })
      .toBe(200);
  });

  it('asks for an ingest token when a verifier is configured', async () => {
    await kit.close();
    kit = await startIngestApp(server.url, [activeRollout({ metrics: ['queue_depth'] })], {
      verifyToken: (token) => (token === 'ingest-token' ? ['ingest'] : token === 'reader' ? ['read'] : null),
    });
    expect((await postJson(request([{ value: 1 }]))).status).toBe(401);
    expect((await postJson(request([{ value: 1 }]), { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await postJson(request([{ value: 1 }]), { authorization: 'Bearer reader' })).status).toBe(403);
    expect((await postJson(request([{ value: 1 }]), { authorization: 'Bearer ingest-token' })).status).toBe(
      200,
    );
  });

  it('asks senders to come back later when overloaded (429) or before the active rollouts are loaded (503)', async () => {
    await kit.close();
    kit = await startIngestApp(server.url, [activeRollout({ metrics: ['queue_depth'] })], { maxInFlight: 0 });
    const busy = await postJson(request([{ value: 1 }]));
    expect(busy.status).toBe(429);
    expect(busy.headers.get('retry-after')).toBe('1');
    await kit.close();
    kit = await startIngestApp(server.url, [], { activeRollouts: { current: () => null } });
    const early = await postJson(request([{ value: 1 }]));
    expect(early.status).toBe(503);
    expect(((await early.json()) as { message: string }).message).toMatch(
      /not yet loaded the active rollouts/,
    );
  });

  it('refuses series past the cardinality cap in the partial-success count and the metric, logging once a minute', async () => {
    await kit.close();
    const { logger, lines } = capturedLogger('collector-test');
    kit = await startIngestApp(server.url, [activeRollout({ metrics: ['queue_depth'] })], {
      limits: { ...DEFAULT_LIMITS, maxActiveSeriesPerRollout: 1 },
      logger,
    });
    for (const pod of ['b', 'c', 'd']) {
      const res = await postJson(
        request([
          { value: 1, extra: { pod: 'a' } },
          { value: 1, extra: { pod } },
        ]),
      );
      const body = (await res.json()) as {
        partialSuccess: { rejectedDataPoints: string; errorMessage: string };
      };
      expect(body.partialSuccess.rejectedDataPoints).toBe('1');
      expect(body.partialSuccess.errorMessage).toMatch(/cap of 1 active series/);
    }
    expect(
      await kit.metrics.getSingleMetricAsString('rollout_guard_ingest_cardinality_refused_total'),
    ).toContain('rollout="copilot"} 3');
    // Every request of a rollout at its cap refuses: one line, the next ones a minute later at most.
    const warned = lines.filter((line) => line.msg.includes('point(s) of new series'));
    expect(warned).toMatchObject([{ level: 'warn', rollout: 'copilot', refused: 1 }]);
  });
});

describe('POST /v1/metrics, a series known across requests', () => {
  const gaugeOf = (cohort: 'treatment' | 'control') =>
    readCohortStats(kit.deps.redis, {
      rollout: 'copilot',
      metric: 'queue_depth',
      cohort,
      window: { kind: 'wave', waveEpoch: 1 },
    });

  it('is judged afresh once the rollout spec changes', async () => {
    let matcher = new Matcher([activeRollout({ metrics: ['queue_depth'] })]);
    await kit.close();
    kit = await startIngestApp(server.url, [], { activeRollouts: { current: () => matcher } });
    // The same series each time (same attribute bytes), at a later time.
    const send = (value: number, timeMs: number) =>
      post(protobufBody(request([{ value, timeMs }])), { 'content-type': 'application/x-protobuf' });
    const now = Date.now();
    expect((await send(4, now - 2_000)).status).toBe(200);
    expect((await send(5, now - 1_500)).status).toBe(200);
    expect(await gaugeOf('treatment')).toMatchObject({ count: 2, sum: 9 });
    // The new spec names the series' variant `on` as its control cohort.
    matcher = new Matcher([
      activeRollout({
        metrics: ['queue_depth'],
        specVersion: 2,
        cohorts: { attribute: 'feature_flag.result.variant', treatment: 'canary', control: 'on' },
      }),
    ]);
    expect((await send(6, now - 1_000)).status).toBe(200);
    expect(await gaugeOf('treatment')).toMatchObject({ count: 2, sum: 9 });
    expect(await gaugeOf('control')).toMatchObject({ count: 1, sum: 6 });
  });
});
