import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRemoteWrite } from '../protocols/remote-write.ts';
import { activeRollout, type IngestApp, startIngestApp } from './ingest-test-kit.ts';

let server: TestRedis;
let kit: IngestApp;

beforeAll(async () => {
  server = await startRedis({ appendonly: false });
  kit = await startIngestApp(server.url, [activeRollout({ metrics: ['queue_depth'] })]);
});
afterAll(async () => {
  await kit?.close();
  await server?.stop();
});

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

/** The head of a length-delimited field: tag (field number, wire type 2) and length. */
const head = (number: number, length: number) => [(number << 3) | 2, ...varint(length)];

/**
 * An OTLP export whose one resource attribute is an AnyValue holding a list holding a list… `depth`
 * levels deep: valid protobuf, and recursive by the schema (AnyValue.array_value → ArrayValue.values).
 * Each level only adds a head in front, so the heads are gathered from the inside out, then joined once.
 */
function nestedExport(depth: number): Uint8Array {
  const innermost = [0x0a, 1, 0x78]; // AnyValue { string_value: "x" }
  const heads: number[][] = [];
  let length = innermost.length;
  for (let level = 0; level < depth; level++) {
    for (const number of [1, 5]) {
      // ArrayValue.values, then AnyValue.array_value around it
      const bytes = head(number, length);
      heads.push(bytes);
      length += bytes.length;
    }
  }
  const value = [...heads.reverse().flat(), ...innermost];
  let resource = [...head(1, 1), 0x6b, ...head(2, value.length), ...value]; // KeyValue { key: "k", value }
  // Resource.attributes, ResourceMetrics.resource
  for (let level = 0; level < 2; level++) resource = [...head(1, resource.length), ...resource];
  // A point of a metric the rollout reads, so the decoder has to read the series' resource: a decoder
  // that skips what no rollout reads would never meet the nesting otherwise.
  const point = [0x19, ...new Array(8).fill(0), 0x21, ...new Array(8).fill(0)]; // time_unix_nano, as_double
  const gauge = [...head(1, point.length), ...point]; // Gauge.data_points
  const name = [...'queue_depth'].map((char) => char.charCodeAt(0));
  const metric = [...head(1, name.length), ...name, ...head(5, gauge.length), ...gauge]; // Metric { name, gauge }
  const scope = [...head(2, metric.length), ...metric]; // ScopeMetrics.metrics
  const resourceMetrics = [...resource, ...head(2, scope.length), ...scope]; // ResourceMetrics.scope_metrics
  return Uint8Array.from([...head(1, resourceMetrics.length), ...resourceMetrics]); // resource_metrics
}

describe('protobuf nesting', () => {
  it('an OTLP export nested past the decoder’s limit (100 levels) is a 400 that says so', async () => {
    const res = await kit.app.request('/v1/metrics', {
      method: 'POST',
      body: nestedExport(50_000),
      headers: { 'content-type': 'application/x-protobuf' },
    });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain('maximum nesting depth exceeded');
    // Attribute values a few levels deep, as real exports have, are read.
    const fine = await kit.app.request('/v1/metrics', {
      method: 'POST',
      body: nestedExport(20),
      headers: { 'content-type': 'application/x-protobuf' },
    });
    expect(fine.status).toBe(200);
  });

  it('remote write has no recursive message: nesting in a field it does not read is skipped unread', () => {
    // WriteRequest { 15: <nested bytes> }: an unknown field, skipped by its length without parsing it.
    const nested = nestedExport(50_000);
    const batch = decodeRemoteWrite(Uint8Array.from([...head(15, nested.length), ...nested]));
    expect(batch.points).toEqual([]);
  });
});
