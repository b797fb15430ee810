import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from './metrics.ts';

describe('createMetricsRegistry', () => {
  it('exposes build info and default Node metrics in the Prometheus text format', async () => {
    const registry = createMetricsRegistry({ service: 'collector', version: '1.2.3' });
    const text = await registry.metrics();
    expect(text).toContain(
      `rollout_guard_build_info{version="1.2.3",service="collector",node="${process.version}"} 1`,
    );
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('keeps registries apart, so two apps in one process do not clash', async () => {
    const a = createMetricsRegistry({ service: 'collector', version: '1' });
    const b = createMetricsRegistry({ service: 'evaluator', version: '1' });
    expect(await a.metrics()).not.toContain('service="evaluator"');
    expect(await b.metrics()).toContain('service="evaluator"');
  });
});
