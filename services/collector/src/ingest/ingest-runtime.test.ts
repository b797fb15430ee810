import { describe, expect, it } from 'vitest';
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

  it('sweeps every five minutes by default', () => {
    expect(new IngestRuntime().idleMs).toBe(DEFAULT_SERIES_IDLE_MS);
    expect(DEFAULT_SERIES_IDLE_MS).toBe(300_000);
  });
});
