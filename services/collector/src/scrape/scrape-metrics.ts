import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The scraper's own metrics, one set per registry. `target` is the URL without credentials. */
export interface ScrapeMetrics {
  scrapes: Counter<'target'>;
  errors: Counter<'target' | 'reason'>;
  duration: Histogram<'target'>;
  points: Counter<'target' | 'outcome'>;
  up: Gauge<'target'>;
  targets: Gauge<'role'>;
}

const perRegistry = new WeakMap<Registry, ScrapeMetrics>();

export function scrapeMetrics(registry: Registry): ScrapeMetrics {
  const known = perRegistry.get(registry);
  if (known !== undefined) return known;
  const registers = [registry];
  const metrics: ScrapeMetrics = {
    scrapes: new Counter({
      name: 'rollout_guard_scrapes_total',
      help: 'Scrapes this collector made (only of the targets whose lease it holds).',
      labelNames: ['target'] as const,
      registers,
    }),
    errors: new Counter({
      name: 'rollout_guard_scrape_errors_total',
      help: 'Failed scrapes by reason: config, timeout, network, egress, http, too-large, parse, store.',
      labelNames: ['target', 'reason'] as const,
      registers,
    }),
    duration: new Histogram({
      name: 'rollout_guard_scrape_duration_seconds',
      help: 'Time of one scrape, from the request to the points stored.',
      labelNames: ['target'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    points: new Counter({
      name: 'rollout_guard_scrape_points_total',
      help: 'Points of scraped samples by outcome: received, stored (once per rollout), dropped (no rollout reads them), rejected (over a limit).',
      labelNames: ['target', 'outcome'] as const,
      registers,
    }),
    up: new Gauge({
      name: 'rollout_guard_scrape_up',
      help: '1 when the last scrape of a target by this collector succeeded, 0 when it failed.',
      labelNames: ['target'] as const,
      registers,
    }),
    targets: new Gauge({
      name: 'rollout_guard_scrape_targets',
      help: 'Targets to scrape, by whether this collector holds their lease (owner) or another does (standby).',
      labelNames: ['role'] as const,
      registers,
    }),
  };
  perRegistry.set(registry, metrics);
  return metrics;
}
