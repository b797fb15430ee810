import { readCohortStats } from '@rollout-guard/shared/store';
import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { compressSync } from 'snappy';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeWriteRequest } from '../protocols/remote-write-schema.ts';
import { activeRollout, type IngestApp, startIngestApp } from './ingest-test-kit.ts';

let server: TestRedis;
let kit: IngestApp;

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await kit?.close();
  await server.stop();
});
beforeEach(async () => {
  await kit?.close();
  await server.flushAll();
  kit = await startIngestApp(server.url, [activeRollout({ metrics: ['contacts_total', 'handle_seconds'] })]);
});

type Labels = Record<string, string>;
const STALE_NAN = new DataView(new Uint8Array([0x7f, 0xf0, 0, 0, 0, 0, 0, 0x02]).buffer).getFloat64(0);

function series(labels: Labels, samples: Array<[value: number, timeMs: number]>) {
  return {
    labels: Object.entries(labels).map(([name, value]) => ({ name, value })),
    samples: samples.map(([value, timestamp]) => ({ value, timestamp })),
  };
}

const WRITE_HEADERS = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
};

function post(body: Uint8Array | string, headers: Record<string, string> = WRITE_HEADERS) {
  return kit.app.request('/api/v1/write', { method: 'POST', body, headers });
}
const write = (timeseries: unknown[], metadata: unknown[] = []) =>
  post(compressSync(Buffer.from(encodeWriteRequest({ timeseries, metadata }))));

const read = (metric: string, cohort: 'treatment' | 'control' | 'baseline') =>
  readCohortStats(kit.deps.redis, {
    rollout: 'copilot',
    metric,
    cohort,
    window: { kind: 'wave', waveEpoch: 1 },
  });

describe('POST /api/v1/write', () => {
  it('stores counter increases per cohort across scrapes and a counter reset, 204 each time', async () => {
    const t = Date.now() - 60_000;
    const on = { __name__: 'contacts_total', job: 'api', feature_flag_result_variant: 'on' };
    const off = { ...on, feature_flag_result_variant: 'off' };
    const scrapes: Array<[number, number]> = [
      [100, 40],
      [130, 45],
      [7, 50], // the target restarted: 7 new since then
      [20, 51],
    ];
    for (const [i, [a, b]] of scrapes.entries()) {
      const res = await write([series(on, [[a, t + i * 15_000]]), series(off, [[b, t + i * 15_000]])]);
      expect(res.status).toBe(204);
    }
    expect(await read('contacts_total', 'treatment')).toEqual({
      kind: 'counter',
      increase: 30 + 7 + 13,
      resets: 0,
    });
    expect(await read('contacts_total', 'control')).toEqual({ kind: 'counter', increase: 11, resets: 0 });
    // Two series remembered: their label sets and their cells of state, for the metrics to tell.
    const remembered = await kit.metrics.getSingleMetric('rollout_guard_ingest_series_remembered')?.get();
    expect(Object.fromEntries(remembered?.values.map((v) => [v.labels.memory, v.value]) ?? [])).toEqual({
      'remote-write': 2,
      otlp: 0,
      'otlp-json': 0,
      states: 2,
      ids: 0,
    });
    // Nothing forgotten yet: every memory and why is there, at zero.
    const forgotten = await kit.metrics.getSingleMetric('rollout_guard_ingest_series_forgotten_total')?.get();
    expect(forgotten?.values).toHaveLength(10);
    expect(forgotten?.values.every((v) => v.value === 0)).toBe(true);
  });

  it('reassembles a classic histogram and stores its increase bucket by bucket', async () => {
    const t = Date.now() - 30_000;
    const labels = { job: 'api', feature_flag_result_variant: 'on' };
    const scrape = (ts: number, le: Record<string, number>, count: number, sum: number) => [
      ...Object.entries(le).map(([bound, v]) =>
        series({ __name__: 'handle_seconds_bucket', le: bound, ...labels }, [[v, ts]]),
      ),
      series({ __name__: 'handle_seconds_count', ...labels }, [[count, ts]]),
      series({ __name__: 'handle_seconds_sum', ...labels }, [[sum, ts]]),
    ];
    await write(scrape(t, { '0.5': 2, '1': 3, '+Inf': 4 }, 4, 3));
    await write(scrape(t + 15_000, { '0.5': 5, '1': 7, '+Inf': 9 }, 9, 8.5));
    expect(await read('handle_seconds', 'treatment')).toEqual({
      kind: 'histogram',
      bounds: [0.5, 1],
      counts: [3, 1, 1],
      count: 5,
      sum: 5.5,
      min: null,
      max: null,
    });
  });

  it('takes labels in any order as the same series', async () => {
    const t = Date.now() - 10_000;
    const sample = (labels: Array<[string, string]>, value: number, ts: number) => ({
      labels: labels.map(([name, value]) => ({ name, value })),
      samples: [{ value, timestamp: ts }],
    });
    const unsorted: Array<[string, string]> = [
      ['feature_flag_result_variant', 'on'],
      ['__name__', 'contacts_total'],
      ['b', '2'],
      ['a', '1'],
    ];
    expect((await write([sample(unsorted, 10, t)])).status).toBe(204);
    const sorted = [...unsorted].sort(([x], [y]) => x.localeCompare(y));
    expect((await write([sample(sorted, 16, t + 5000)])).status).toBe(204);
    expect(await read('contacts_total', 'treatment')).toEqual({ kind: 'counter', increase: 6, resets: 0 });
  });

  it('accepts metadata-only requests and ignores stale markers', async () => {
    expect(
      (await write([], [{ type: 1, metricFamilyName: 'contacts_total', help: 'Contacts.' }])).status,
    ).toBe(204);
    const t = Date.now();
    const labels = { __name__: 'contacts_total', feature_flag_result_variant: 'on' };
    await write([series(labels, [[1, t - 2000]])]);
    expect((await write([series(labels, [[STALE_NAN, t - 1000]])])).status).toBe(204);
    await write([series(labels, [[4, t]])]);
    expect(await read('contacts_total', 'treatment')).toEqual({ kind: 'counter', increase: 3, resets: 0 });
  });

  it.each([
    {
      name: 'bad snappy',
      status: 400,
      says: /snappy/,
      send: () => post(Buffer.from('definitely not snappy')),
    },
    {
      name: 'truncated protobuf',
      status: 400,
      says: /.+/,
      send: () =>
        post(
          compressSync(
            Buffer.from(
              encodeWriteRequest({ timeseries: [series({ __name__: 'g' }, [[1, 1]])] }).subarray(0, 10),
            ),
          ),
        ),
    },
    {
      name: 'a series without __name__',
      status: 400,
      says: /__name__/,
      send: () => write([series({ job: 'x' }, [[1, Date.now()]])]),
    },
    {
      name: 'a duplicate label',
      status: 400,
      says: /appears twice/,
      send: () =>
        write([
          {
            labels: [
              { name: '__name__', value: 'contacts_total' },
              { name: 'a', value: '1' },
              { name: 'a', value: '2' },
            ],
            samples: [],
          },
        ]),
    },
    {
      name: 'remote write 2.0',
      status: 415,
      says: /Remote write 2.0/,
      send: () =>
        post(compressSync(Buffer.from('x')), {
          ...WRITE_HEADERS,
          'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request',
        }),
    },
    {
      name: 'a JSON body',
      status: 415,
      says: /not remote write/,
      send: () => post('{}', { 'content-type': 'application/json' }),
    },
    {
      name: 'gzip instead of snappy',
      status: 415,
      says: /snappy/,
      send: () => post(Buffer.from('x'), { ...WRITE_HEADERS, 'content-encoding': 'gzip' }),
    },
    {
      name: 'a timestamp far in the future',
      status: 400,
      says: /in the future/,
      send: () => write([series({ __name__: 'contacts_total' }, [[1, Date.now() + 86_400_000]])]),
    },
    {
      name: 'a 10 MB label value (after snappy)',
      status: 400,
      says: /label value longer than/,
      send: () =>
        write([
          series({ __name__: 'contacts_total', huge: 'v'.repeat(10 * 1024 * 1024) }, [[1, Date.now()]]),
        ]),
    },
  ])('answers $name with $status and a message, then still serves', async ({ status, says, send }) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(((await res.json()) as { message: string }).message).toMatch(says);
    expect((await write([series({ __name__: 'contacts_total' }, [[1, Date.now()]])])).status).toBe(204);
  });
});
