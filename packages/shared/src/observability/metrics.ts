import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export interface CreateMetricsOptions {
  /** The `service` label of `rollout_guard_build_info`. */
  service: string;
  /** The `version` label: the running package's version. */
  version: string;
}

/**
 * One registry per process (not prom-client's global one, so tests can build several apps in one
 * process): default Node metrics plus `rollout_guard_build_info{version,service,node} 1`, the usual
 * way to let dashboards join any series with what is deployed.
 */
export function createMetricsRegistry(options: CreateMetricsOptions): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const buildInfo = new Gauge({
    name: 'rollout_guard_build_info',
    help: 'Always 1; its labels say which version of which rollout-guard service runs on which Node.',
    labelNames: ['version', 'service', 'node'] as const,
    registers: [registry],
  });
  buildInfo.set({ version: options.version, service: options.service, node: process.version }, 1);
  return registry;
}
