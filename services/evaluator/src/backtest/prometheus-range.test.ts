import type { Egress } from '@rollout-guard/shared/egress';
import { describe, expect, it } from 'vitest';
import { PromqlError } from '../workers/poll-promql.ts';
import { POINTS_PER_QUERY, prometheusRange, sumBetween } from './prometheus-range.ts';
import { useBackfilledPrometheus } from './prometheus-test-kit.ts';

const SECOND = 1000;
const HOUR = 3600 * SECOND;
// Six hours of a counter that grows by one every second, scraped every second: 21,600 in all.
const START = Math.floor((Date.now() - 8 * HOUR) / 60_000) * 60_000;
const END = START + 6 * HOUR;
const STEP = 2 * SECOND; // 10,800 steps: more than one query may ask for

function openmetrics(): string {
  const lines = ['# TYPE ticks counter'];
  for (let at = START, total = 0; at <= END; at += SECOND, total += 1) {
    lines.push(`ticks_total{job="clock"} ${total} ${at / 1000}`);
  }
  return [...lines, '# EOF', ''].join('\n');
}

const backfilled = useBackfilledPrometheus(openmetrics);
const { egress } = backfilled;

/** The real egress, remembering the URLs it was asked for. */
function recording(): { egress: Pick<Egress, 'fetch'>; urls: URL[] } {
  const urls: URL[] = [];
  return {
    urls,
    egress: {
      fetch(url, request) {
        urls.push(new URL(url));
        return egress.fetch(url, request);
      },
    },
  };
}

const QUERY = 'sum(increase(ticks_total[2s]))';

describe('range queries within Prometheus’s limits and ours', () => {
  it('splits a range longer than 10,000 steps into abutting queries, losing nothing at the seam', async () => {
    const seen = recording();
    const range = prometheusRange({ url: backfilled.prometheus.url, stepMs: STEP, egress: seen.egress });
    const [series] = await range.matrix(QUERY, START, END);
    const queries = seen.urls.filter((u) => u.pathname === '/api/v1/query_range');
    expect(queries).toHaveLength(2);
    const spans = queries.map((u) => ({
      start: Number(u.searchParams.get('start')) * 1000,
      end: Number(u.searchParams.get('end')) * 1000,
    }));
    for (const { start, end } of spans)
      expect((end - start) / STEP + 1).toBeLessThanOrEqual(POINTS_PER_QUERY);
    expect(spans[0]!.start).toBe(START + STEP);
    expect(spans[1]!.start).toBe(spans[0]!.end + STEP);
    expect(spans[1]!.end).toBe(END);
    expect(series!.times.length).toBe((END - START) / STEP);
    expect(range.pointsHeld).toBe((END - START) / STEP);
    // One tick a second: the whole range, and ten minutes across the seam between the two queries.
    expect(sumBetween(series!, START, END)! / ((END - START) / SECOND)).toBeCloseTo(1, 2);
    const seam = spans[0]!.end;
    expect(sumBetween(series!, seam - 5 * 60 * SECOND, seam + 5 * 60 * SECOND)).toBeCloseTo(600, -1);
    expect(sumBetween(series!, END, END + HOUR)).toBeNull();
  });

  it('refuses an answer over its byte limit, saying which query and what to change', async () => {
    const range = prometheusRange({
      url: backfilled.prometheus.url,
      stepMs: STEP,
      egress,
      limits: { maxResponseBytes: 4096, maxPoints: 1_000_000 },
    });
    const error = await range.matrix(QUERY, START, START + HOUR).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromqlError);
    expect(error).toMatchObject({ reason: 'too-large' });
    expect((error as Error).message).toContain(
      'answered more than 4096 bytes to sum(increase(ticks_total[2s]))',
    );
  });

  it('refuses to hold more points than its limit over all queries', async () => {
    const range = prometheusRange({
      url: backfilled.prometheus.url,
      stepMs: STEP,
      egress,
      limits: { maxResponseBytes: 32 * 1024 * 1024, maxPoints: 5_000 },
    });
    await range.matrix(QUERY, START, START + HOUR); // 1,800 points
    await range.matrix(QUERY, START + HOUR, START + 2 * HOUR); // 3,600
    const error = await range.matrix(QUERY, START + 2 * HOUR, START + 3 * HOUR).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'too-large' });
    expect((error as Error).message).toMatch(
      /^the backtest would hold more than 5000 points from Prometheus/,
    );
  });

  it('passes on what Prometheus says of a bad query, and says when it cannot be reached', async () => {
    const range = prometheusRange({ url: backfilled.prometheus.url, stepMs: STEP, egress });
    const bad = await range.matrix('sum(', START, START + HOUR).catch((e: unknown) => e);
    expect(bad).toMatchObject({ reason: 'answer' });
    expect((bad as Error).message).toMatch(/answered 400 to sum\(: .*parse error/);
    const down = prometheusRange({ url: 'http://127.0.0.1:9', stepMs: STEP, egress });
    const refused = await down.matrix(QUERY, START, START + HOUR).catch((e: unknown) => e);
    expect(refused).toMatchObject({ reason: 'network' });
    expect((refused as Error).message).toContain('Prometheus at 127.0.0.1:9 did not answer');
  });
});
