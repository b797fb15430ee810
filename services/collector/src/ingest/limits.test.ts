import { describe, expect, it } from 'vitest';
import type { Point } from '../protocols/point.ts';
import { DEFAULT_LIMITS, describePoint, limitsFromEnv, pointLimitViolation } from './limits.ts';

const NOW = Date.UTC(2026, 10, 21, 12);
const point = (attributes: Record<string, string>, timeMs = NOW): Point => ({
  name: 'latency_seconds',
  attributes,
  timeMs,
  value: { kind: 'gauge', value: 1 },
});
const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, 'v']));

describe('pointLimitViolation', () => {
  it.each([
    ['a plain point', point({ service: 'a' }), null],
    ['64 labels', point(many(64)), null],
    ['65 labels', point(many(65)), 'more than 64 labels on one series'],
    ['a long label name', point({ ['n'.repeat(257)]: 'v' }), 'label name longer than 256 characters'],
    ['a long label value', point({ n: 'v'.repeat(2049) }), 'label value longer than 2048 characters'],
    ['6 h old', point({}, NOW - 6 * 3600_000), null],
    ['a day old', point({}, NOW - 24 * 3600_000), 'timestamp more than 360 minutes in the past'],
    ['an hour ahead', point({}, NOW + 3600_000), 'timestamp more than 10 minutes in the future'],
  ])('%s → %s', (_, p, expected) => {
    expect(pointLimitViolation(p, DEFAULT_LIMITS, NOW)).toBe(expected);
  });
});

describe('describePoint', () => {
  it('names the metric, a few labels shortened, and the time, even an absurd one', () => {
    expect(describePoint(point({ a: '1', b: 'x'.repeat(50) }))).toBe(
      `latency_seconds{a="1",b="${'x'.repeat(40)}…"} at 2026-11-21T12:00:00.000Z`,
    );
    expect(describePoint(point({}, 1e20))).toBe('latency_seconds{} at 100000000000000000000 ms');
  });
});

describe('limitsFromEnv', () => {
  it('takes the body sizes from the environment', () => {
    expect(
      limitsFromEnv({
        INGEST_MAX_BODY_BYTES: 10,
        INGEST_MAX_DECOMPRESSED_BYTES: 20,
        INGEST_DECODE_BUDGET_BYTES: 30,
        INGEST_BODY_TIMEOUT_MS: 40,
      }),
    ).toMatchObject({
      maxRequestBytes: 10,
      maxDecodedBytes: 20,
      decodeBudgetBytes: 30,
      bodyReadMs: 40,
      maxSeriesPerRequest: DEFAULT_LIMITS.maxSeriesPerRequest,
    });
  });
});
