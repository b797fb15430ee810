import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { watchRememberedSeries } from './ingest-metrics.ts';
import { DEFAULT_SERIES_IDLE_MS, IngestRuntime } from './ingest-runtime.ts';

describe('the ingest runtime', () => {
  it('sweeps once a period, counted from the first batch, and at once after the clock went back', () => {
    const runtime = new IngestRuntime({ idleMs: 1_000 });
    // The first batch starts the period; nothing is due within it.
    expect(runtime.forgetIdle(10_000)).toBeUndefined();
    expect(runtime.forgetIdle(10_999)).toBeUndefined();
    expect(runtime.forgetIdle(11_000)).toBe(0);
    expect(runtime.forgetIdle(11_500)).toBeUndefined();
    // A clock set back by an hour does not hold sweeps off for an hour.
    expect(runtime.forgetIdle(11_000 - 3_600_000)).toBe(0);
    expect(runtime.forgetIdle(11_000 - 3_600_000 + 1_000)).toBe(0);
  });

  it('forgets a series two sweeps after it was last used, from every cache', () => {
    const runtime = new IngestRuntime({ idleMs: 1_000 });
    const cell = runtime.seriesStates.cell('checkout', 'series-1');
    runtime.forgetIdle(0);
    expect(runtime.forgetIdle(1_000)).toBe(0);
    expect(runtime.seriesStates.holds(cell)).toBe(true);
    expect(runtime.forgetIdle(2_000)).toBe(1);
    expect(runtime.seriesStates.holds(cell)).toBe(false);
    expect(runtime.seriesStates.size).toBe(0);
  });

  it('counts the series it forgot, by memory and why, on /metrics', async () => {
    const runtime = new IngestRuntime({ idleMs: 1_000, maxSeriesStates: 2, maxSeriesIds: 1 });
    const registry = new Registry();
    watchRememberedSeries(registry, runtime);
    const forgotten = async () => {
      const metric = await registry.getSingleMetric('rollout_guard_ingest_series_forgotten_total')?.get();
      return Object.fromEntries(
        (metric?.values ?? [])
          .filter((v) => v.value > 0)
          .map((v) => [`${v.labels.memory} ${v.labels.why}`, v.value]),
      );
    };
    expect(await forgotten()).toEqual({});
    // A third series in a cache of two drops both; an id past one forgets the least recently used.
    for (const id of ['s1', 's2', 's3']) runtime.seriesStates.cell('checkout', id);
    runtime.seriesFacts.ids.idOf('requests_total', { variant: 'on' });
    runtime.seriesFacts.ids.idOf('requests_total', { variant: 'off' });
    expect(await forgotten()).toEqual({ 'states full': 2, 'ids full': 1 });
    // s3 unused for a whole period: forgotten idle, added to what the last scrape counted.
    runtime.forgetIdle(0);
    runtime.forgetIdle(1_000);
    runtime.forgetIdle(2_000);
    runtime.seriesStates.cell('checkout', 's4');
    expect(await forgotten()).toEqual({ 'states full': 2, 'states idle': 1, 'ids full': 1 });
    expect(await forgotten()).toEqual({ 'states full': 2, 'states idle': 1, 'ids full': 1 });
  });

  it('sweeps every five minutes by default', () => {
    expect(new IngestRuntime().idleMs).toBe(DEFAULT_SERIES_IDLE_MS);
    expect(DEFAULT_SERIES_IDLE_MS).toBe(300_000);
  });
});
