// Scraping Prometheus / OpenMetrics endpoints listed by the active rollouts (spec.scrape) and the
// SCRAPE_CONFIG file; the points go through the ingest's storage path. See README.md.

export { AUTO_ACCEPT, ScrapeFailure, type ScrapeFailureReason, scrapeOnce } from './fetch-scrape.ts';
export { loadScrapeConfig, parseScrapeConfig, ScrapeConfigError } from './scrape-config.ts';
export { type ScrapeLeases, scrapeLeases } from './scrape-lease.ts';
export { type ScrapeMetrics, scrapeMetrics } from './scrape-metrics.ts';
export { CONFIG_SOURCE, type PlannedTarget, planTargets, targetKey, targetLabel } from './scrape-targets.ts';
export { type Scraper, type ScraperDeps, startScraper } from './scraper.ts';
