import type { ApiDeps } from '../api/api-deps.ts';
import { guard } from '../api/guard.ts';
import type { App } from '../app.ts';
import { AppError } from '../errors.ts';
import { createRolloutMetrics, RolloutMetricsTimeoutError } from './rollout-metrics.ts';

export const DEFAULT_ROLLOUT_METRICS = { maxRollouts: 1000, timeoutMs: 2000 } as const;

/**
 * `GET /metrics/rollouts`: per active rollout and check, the numbers of `GET /api/v1/rollouts/{name}` in the
 * Prometheus text format, for Grafana. Needs `read` (rollout and check names are the API's data).
 */
export function registerRolloutMetrics(app: App, deps: ApiDeps): void {
  const registry = createRolloutMetrics(deps.store, deps.rolloutMetrics ?? DEFAULT_ROLLOUT_METRICS);
  app.get('/metrics/rollouts', ...guard(deps, 'read'), async function rolloutMetrics(c) {
    let text: string;
    try {
      text = await registry.metrics();
    } catch (error) {
      if (!(error instanceof RolloutMetricsTimeoutError)) throw error;
      throw new AppError({
        code: 'SERVICE_UNAVAILABLE',
        message: `${error.message}; Redis is slow`,
        retryAfterSeconds: 5,
      });
    }
    c.header('Content-Type', registry.contentType);
    return c.body(text);
  });
}
