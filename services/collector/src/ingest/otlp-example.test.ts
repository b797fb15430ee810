/**
 * The OTLP/JSON example request, decoded and stored. The opentelemetry-proto repository ships
 * `examples/metrics.json` as the reference OTLP/JSON metrics request, but files fetched from other
 * projects are never committed here, so that file cannot be vendored. `fixtures/otlp-metrics-example.json`
 * is our own request in the same form, with what a contact-center service guarded by rollout-guard
 * sends: it covers every construct of the upstream example (resource attributes; a scope with name,
 * version and attributes; unit and description; a monotonic sum, a gauge and an explicit histogram with
 * min and max; `asDouble` values; nanosecond timestamps as 19-digit JSON numbers) and adds exponential
 * histograms, summaries, delta and cumulative temporality, a non-monotonic sum, `asInt` values and
 * 64-bit integers as strings, `NO_RECORDED_VALUE` flags, non-string attribute values, a point attribute
 * overriding a scope attribute, sub-millisecond nanoseconds, exemplars with hex trace ids, several
 * scopes and resources, and points that match no rollout.
 */

import { readFileSync } from 'node:fs';
import { type Cohort, readBucketVector, readCohortStats } from '@rollout-guard/shared/store';
import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeOtlpJson, type Point } from '../protocols/index.ts';
import { activeRollout, type IngestApp, startIngestApp } from './ingest-test-kit.ts';

const fixture = readFileSync(new URL('./fixtures/otlp-metrics-example.json', import.meta.url));

// The fixture's clock: 2026-03-02T09:00:00Z, scrapes 5 s and 15 s after it (two 10 s buckets).
const T = Date.UTC(2026, 2, 2, 9, 0, 0);
const T1 = T + 5_000;
const T2 = T + 15_000;
const DELTA_START = T - 5_000;
/** Cumulative series that started after the wave began: their first point is already an increase. */
const FRESH_START = T - 300_000;
/** Cumulative series older than the wave: their first point is only the reference for the next. */
const OLD_START = T - 86_400_000;
const WAVE_STARTED = T - 600_000;

const RESOURCE = {
  'service.name': 'contact-center',
  'service.version': '4.12.0',
  'deployment.environment.name': 'production',
  'host.cpu.count': '8',
};
const ROUTING = { ...RESOURCE, 'routing.region': 'eu-west', 'routing.skills_based': 'true' };
const SPEECH = { ...RESOURCE, 'speech.model': 'whisper-small' };
const VARIANT = 'feature_flag.result.variant';
const FLAG = { 'feature_flag.key': 'copilot-assist' };
const on = { ...ROUTING, [VARIANT]: 'on' };
const off = { ...ROUTING, [VARIANT]: 'off' };

const BOUNDS = [30, 60, 120, 300];
const NO_BUCKETS = { offset: 0, counts: [] };

const EXPECTED_POINTS: Point[] = [
  {
    name: 'contacts.handled',
    attributes: { ...on, ...FLAG },
    startMs: DELTA_START,
    timeMs: T1,
    value: { kind: 'sum', value: 12, monotonic: true, temporality: 'delta' },
  },
  {
    name: 'contacts.handled',
    attributes: { ...off, ...FLAG },
    startMs: DELTA_START,
    timeMs: T1,
    value: { kind: 'sum', value: 9, monotonic: true, temporality: 'delta' },
  },
  {
    name: 'contacts.handled',
    attributes: { ...on, ...FLAG },
    startMs: T1,
    timeMs: T2,
    value: { kind: 'sum', value: 7, monotonic: true, temporality: 'delta' },
  },
  ...[
    { attributes: on, startMs: FRESH_START, timeMs: T1, value: 4 },
    { attributes: on, startMs: FRESH_START, timeMs: T2, value: 6 },
    { attributes: off, startMs: OLD_START, timeMs: T1, value: 120 },
    { attributes: off, startMs: OLD_START, timeMs: T2, value: 125 },
  ].map(
    ({ value, ...rest }): Point => ({
      name: 'contacts.transferred',
      ...rest,
      value: { kind: 'sum', value, monotonic: true, temporality: 'cumulative' },
    }),
  ),
  { name: 'queue.depth', attributes: on, timeMs: T1, value: { kind: 'gauge', value: 3 } },
  {
    name: 'queue.depth',
    attributes: { ...off, 'routing.region': 'eu-central' },
    timeMs: T1,
    value: { kind: 'gauge', value: 5 },
  },
  // 1772442015000999999 ns: truncated to its millisecond, not rounded up into the next.
  { name: 'queue.depth', attributes: on, timeMs: T2, value: { kind: 'gauge', value: 4 } },
  {
    name: 'queue.depth',
    attributes: { ...ROUTING, 'queue.name': 'overflow' },
    timeMs: T1,
    value: { kind: 'gauge', value: 11 },
  },
  {
    name: 'contact.handle_time',
    attributes: on,
    startMs: DELTA_START,
    timeMs: T1,
    value: {
      kind: 'histogram',
      temporality: 'delta',
      bounds: BOUNDS,
      counts: [2, 5, 3, 1, 0],
      count: 11,
      sum: 1234.5,
      min: 12.5,
      max: 290,
    },
  },
  {
    name: 'contact.handle_time',
    attributes: off,
    startMs: DELTA_START,
    timeMs: T1,
    value: {
      kind: 'histogram',
      temporality: 'delta',
      bounds: BOUNDS,
      counts: [1, 4, 4, 2, 1],
      count: 12,
      sum: 1800,
      min: 20,
      max: 410,
    },
  },
  {
    name: 'contact.handle_time',
    attributes: on,
    startMs: T1,
    timeMs: T2,
    value: {
      kind: 'histogram',
      temporality: 'delta',
      bounds: BOUNDS,
      counts: [0, 1, 0, 0, 0],
      count: 1,
      sum: 45,
      min: 45,
      max: 45,
    },
  },
  {
    name: 'contact.wait_time',
    attributes: on,
    startMs: FRESH_START,
    timeMs: T1,
    value: {
      kind: 'exponentialHistogram',
      temporality: 'cumulative',
      scale: 2,
      zeroCount: 1,
      zeroThreshold: 0,
      positive: { offset: 10, counts: [2, 3, 1] },
      negative: NO_BUCKETS,
      count: 7,
      sum: 41.5,
      min: 0,
      max: 7.9,
    },
  },
  {
    name: 'contact.wait_time',
    attributes: on,
    startMs: FRESH_START,
    timeMs: T2,
    value: {
      kind: 'exponentialHistogram',
      temporality: 'cumulative',
      scale: 2,
      zeroCount: 1,
      zeroThreshold: 0,
      positive: { offset: 10, counts: [2, 4, 1, 1] },
      negative: NO_BUCKETS,
      count: 9,
      sum: 56.5,
      min: 0,
      max: 9.4,
    },
  },
  {
    name: 'contact.wait_time',
    attributes: off,
    startMs: FRESH_START,
    timeMs: T1,
    value: {
      kind: 'exponentialHistogram',
      temporality: 'cumulative',
      scale: 2,
      zeroCount: 0,
      zeroThreshold: 0,
      positive: { offset: 11, counts: [1, 2] },
      negative: NO_BUCKETS,
      count: 3,
      sum: 22.5,
      min: 6.9,
      max: 8.1,
    },
  },
  {
    name: 'agents.active',
    attributes: on,
    startMs: OLD_START,
    timeMs: T1,
    value: { kind: 'sum', value: 14, monotonic: false, temporality: 'cumulative' },
  },
  {
    name: 'agents.active',
    attributes: on,
    startMs: OLD_START,
    timeMs: T2,
    value: { kind: 'sum', value: 12, monotonic: false, temporality: 'cumulative' },
  },
  {
    name: 'process.cpu.time',
    attributes: { ...ROUTING, 'cpu.mode': 'user' },
    startMs: OLD_START,
    timeMs: T1,
    value: { kind: 'sum', value: 812.25, monotonic: true, temporality: 'cumulative' },
  },
  {
    name: 'transcription.latency',
    attributes: { ...SPEECH, [VARIANT]: 'on' },
    startMs: FRESH_START,
    timeMs: T1,
    value: {
      kind: 'summary',
      count: 40,
      sum: 18.25,
      quantiles: [
        { quantile: 0.5, value: 0.41 },
        { quantile: 0.99, value: 1.2 },
      ],
    },
  },
  {
    name: 'transcription.latency',
    attributes: { ...SPEECH, [VARIANT]: 'on' },
    startMs: FRESH_START,
    timeMs: T2,
    value: {
      kind: 'summary',
      count: 52,
      sum: 23.75,
      quantiles: [
        { quantile: 0.5, value: 0.43 },
        { quantile: 0.99, value: 1.35 },
      ],
    },
  },
  {
    name: 'contacts.handled',
    attributes: { 'service.name': 'billing', [VARIANT]: 'on' },
    startMs: DELTA_START,
    timeMs: T1,
    value: { kind: 'sum', value: 100, monotonic: true, temporality: 'delta' },
  },
];

describe('decodeOtlpJson on the example request', () => {
  it('decodes every point with merged attributes, millisecond times and exact values', () => {
    const batch = decodeOtlpJson(fixture);
    expect(batch.points).toEqual(EXPECTED_POINTS);
    expect(batch.dropped).toEqual({ 'no-recorded-value': 1 });
    expect(batch.rejected).toEqual([]);
    expect(batch.rejectedCount).toBe(0);
  });

  it('drops the metrics no rollout reads before building their points', () => {
    const batch = decodeOtlpJson(fixture, { wantsMetric: (name) => name !== 'process.cpu.time' });
    expect(batch.points).toEqual(EXPECTED_POINTS.filter((p) => p.name !== 'process.cpu.time'));
    expect(batch.dropped).toEqual({ 'no-recorded-value': 1, 'unwanted-metric': 1 });
  });
});

const STORED_METRICS = [
  'contacts.handled',
  'contacts.transferred',
  'queue.depth',
  'contact.handle_time',
  'contact.wait_time',
  'agents.active',
  'transcription.latency',
];

let server: TestRedis;
let kit: IngestApp;
let response: Response;

beforeAll(async () => {
  server = await startRedis();
  kit = await startIngestApp(
    server.url,
    [
      activeRollout({
        match: { 'service.name': 'contact-center' },
        metrics: STORED_METRICS,
        waveStartedAt: WAVE_STARTED,
      }),
    ],
    { now: () => T + 60_000 },
  );
  response = await kit.app.request('/v1/metrics', {
    method: 'POST',
    body: fixture,
    headers: { 'content-type': 'application/json' },
  });
});
afterAll(async () => {
  await kit?.close();
  await server?.stop();
});

const wave = (metric: string, cohort: Cohort) =>
  readCohortStats(kit.deps.redis, {
    rollout: 'copilot',
    metric,
    cohort,
    window: { kind: 'wave', waveEpoch: 1 },
  });
const range = (metric: string, cohort: Cohort, fromMs: number) =>
  readCohortStats(kit.deps.redis, {
    rollout: 'copilot',
    metric,
    cohort,
    window: { kind: 'range', fromMs, toMs: fromMs + 10_000 },
    nowMs: T + 60_000,
  });

describe('POST /v1/metrics with the example request', () => {
  it('answers {} in JSON once stored and counts every point by what became of it', async () => {
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.clone().json()).toEqual({});
    expect(kit.stored).toEqual(['copilot']);
    const counts = async (name: string) => (await kit.metrics.getSingleMetric(name)?.get())?.values;
    expect(await counts('rollout_guard_ingest_points_received_total')).toEqual([
      { labels: { protocol: 'otlp' }, value: 24 },
    ]);
    expect(await counts('rollout_guard_ingest_points_accepted_total')).toEqual([
      { labels: { protocol: 'otlp' }, value: 21 },
    ]);
    expect(await counts('rollout_guard_ingest_points_dropped_total')).toEqual(
      expect.arrayContaining([
        { labels: { protocol: 'otlp', reason: 'no-recorded-value' }, value: 1 },
        { labels: { protocol: 'otlp', reason: 'unwanted-metric' }, value: 1 },
        { labels: { protocol: 'otlp', reason: 'no-match' }, value: 1 },
      ]),
    );
    expect(await counts('rollout_guard_ingest_points_rejected_total')).toEqual([]);
  });

  it('adds delta sums per cohort, leaving out the other service and the point without a value', async () => {
    expect(await wave('contacts.handled', 'treatment')).toEqual({ kind: 'counter', increase: 19, resets: 0 });
    expect(await wave('contacts.handled', 'control')).toEqual({ kind: 'counter', increase: 9, resets: 0 });
    expect(await range('contacts.handled', 'treatment', T)).toEqual({
      kind: 'counter',
      increase: 12,
      resets: 0,
    });
    expect(await range('contacts.handled', 'treatment', T + 10_000)).toEqual({
      kind: 'counter',
      increase: 7,
      resets: 0,
    });
  });

  it('counts a cumulative sum from zero when it started in the wave, from its first point when older', async () => {
    expect(await wave('contacts.transferred', 'treatment')).toEqual({
      kind: 'counter',
      increase: 6,
      resets: 0,
    });
    expect(await wave('contacts.transferred', 'control')).toEqual({
      kind: 'counter',
      increase: 5,
      resets: 0,
    });
    expect(await range('contacts.transferred', 'control', T)).toBeNull();
    expect(await range('contacts.transferred', 'control', T + 10_000)).toEqual({
      kind: 'counter',
      increase: 5,
      resets: 0,
    });
  });

  it('keeps gauge values as samples per cohort, a point without a variant in the baseline', async () => {
    expect(await wave('queue.depth', 'treatment')).toEqual({
      kind: 'moments',
      count: 2,
      sum: 7,
      sumSquares: 25,
      min: 3,
      max: 4,
      last: { value: 4, time: T2 },
    });
    expect(await wave('queue.depth', 'control')).toEqual({
      kind: 'moments',
      count: 1,
      sum: 5,
      sumSquares: 25,
      min: 5,
      max: 5,
      last: { value: 5, time: T1 },
    });
    expect(await wave('queue.depth', 'baseline')).toEqual({
      kind: 'moments',
      count: 1,
      sum: 11,
      sumSquares: 121,
      min: 11,
      max: 11,
      last: { value: 11, time: T1 },
    });
    expect(await range('queue.depth', 'treatment', T)).toMatchObject({ count: 1, sum: 3 });
  });

  it('adds delta explicit histograms bucket by bucket', async () => {
    expect(await wave('contact.handle_time', 'treatment')).toEqual({
      kind: 'histogram',
      bounds: BOUNDS,
      counts: [2, 6, 3, 1, 0],
      count: 12,
      sum: 1279.5,
      min: 12.5,
      max: 290,
    });
    expect(await wave('contact.handle_time', 'control')).toEqual({
      kind: 'histogram',
      bounds: BOUNDS,
      counts: [1, 4, 4, 2, 1],
      count: 12,
      sum: 1800,
      min: 20,
      max: 410,
    });
  });

  it('turns cumulative exponential histograms into their increases', async () => {
    expect(await wave('contact.wait_time', 'treatment')).toEqual({
      kind: 'exponential',
      scale: 2,
      zeroCount: 1,
      zeroThreshold: 0,
      positive: { offset: 10, counts: [2, 4, 1, 1] },
      negative: NO_BUCKETS,
      count: 9,
      sum: 56.5,
      min: 0,
      max: 9.4,
    });
    expect(await wave('contact.wait_time', 'control')).toEqual({
      kind: 'exponential',
      scale: 2,
      zeroCount: 0,
      zeroThreshold: 0,
      positive: { offset: 11, counts: [1, 2] },
      negative: NO_BUCKETS,
      count: 3,
      sum: 22.5,
      min: 6.9,
      max: 8.1,
    });
    expect(await range('contact.wait_time', 'treatment', T + 10_000)).toMatchObject({
      positive: { offset: 11, counts: [1, 0, 1] },
      count: 2,
      sum: 15,
    });
  });

  it('keeps an up-down counter as its level and its net change', async () => {
    expect(await wave('agents.active', 'treatment')).toEqual({
      kind: 'moments',
      count: 2,
      sum: 26,
      sumSquares: 340,
      min: 12,
      max: 14,
      last: { value: 12, time: T2 },
    });
    const vector = await readBucketVector(kit.deps.redis, {
      rollout: 'copilot',
      metric: 'agents.active',
      cohort: 'treatment',
      window: { kind: 'wave', waveEpoch: 1 },
    });
    expect(vector.counterIncrease).toBe(-2);
  });

  it('keeps count and sum of a summary, whose quantiles cannot be merged', async () => {
    expect(await wave('transcription.latency', 'treatment')).toEqual({
      kind: 'moments',
      count: 52,
      sum: 23.75,
      sumSquares: 0,
      min: null,
      max: null,
      last: null,
    });
    expect(await wave('transcription.latency', 'control')).toBeNull();
  });
});
