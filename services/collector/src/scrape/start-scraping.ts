import type { Egress } from '@rollout-guard/shared/egress';
import type { Logger } from '@rollout-guard/shared/observability';
import type { RedisClient } from '@rollout-guard/shared/redis';
import type { EnvAllowlist, ScrapeTarget } from '@rollout-guard/shared/spec';
import type { Registry } from 'prom-client';
import type { ActiveRollouts } from '../ingest/active-rollouts.ts';
import type { IngestRuntime } from '../ingest/ingest-runtime.ts';
import type { IngestLimits } from '../ingest/limits.ts';
import type { OnStored } from '../ingest/notify-evaluator.ts';
import { type Scraper, startScraper } from './scraper.ts';

export interface ScrapingDeps {
  /** The egress policy every scrape goes through. */
  egress: Egress;
  redis: RedisClient;
  logger: Logger;
  metrics: Registry;
  /** The ingest routes' cache of rg:active: scraped and pushed points are matched alike. */
  activeRollouts: ActiveRollouts;
  /** The ingest routes' evaluation notice. */
  onStored: OnStored;
  limits: IngestLimits;
  /** The ingest routes' runtime. */
  runtime: IngestRuntime;
  /** Targets of the SCRAPE_CONFIG file (`loadScrapeConfig`, read before anything connects). */
  configured: readonly ScrapeTarget[];
  /** The file they came from, for the log. */
  file: string;
  /** The variables a spec's scrape headers may read (SPEC_ENV_ALLOWED). */
  specEnvAllowed: EnvAllowlist;
}

/** Starts the collector's scraper beside its ingest routes; `stop()` is one shutdown step. */
export function startScraping(deps: ScrapingDeps): Scraper {
  const { file, ...scraperDeps } = deps;
  if (deps.configured.length > 0) {
    deps.logger.info({ file, targets: deps.configured.length }, 'scrape targets loaded from SCRAPE_CONFIG');
  }
  return startScraper(scraperDeps);
}
