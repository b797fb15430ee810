import { OtlpSeriesCache } from '../protocols/otlp-series-cache.ts';
import { RemoteWriteLabels } from '../protocols/remote-write.ts';
import { CapWarnings } from './cap-refusals.ts';
import { SeriesFactsMemo } from './series-facts.ts';
import { SeriesIds } from './series-id.ts';
import { SeriesStateCache } from './series-state.ts';

/**
 * What the ingest path remembers between requests, in one object the server creates and passes to
 * the routes and the scraper (a test makes a fresh one): the series' cumulative states and marks,
 * their facts and ids, the remote-write label sets and OTLP series (protobuf and JSON apart), the cap
 * refusals logged, and the requests being stored. Everything here is bounded, and only saves work
 * (or log lines): a fresh runtime stores exactly what an old one would.
 */
export class IngestRuntime {
  /** The collector's copy of what Redis holds per series (Redis stays the truth). */
  readonly seriesStates: SeriesStateCache;
  /** Per series: its rollouts, cohort, label checks and id, once per matcher. */
  readonly seriesFacts: SeriesFactsMemo;
  /** Remote-write label sets by their bytes, so a repeated series is not decoded again. */
  readonly remoteWriteLabels = new RemoteWriteLabels();
  /** OTLP series by their resource, scope, metric and attribute bytes, so a repeated one is not decoded again. */
  readonly otlpSeries = new OtlpSeriesCache();
  /** OTLP/JSON series by the canonical text of their attributes and their metric, likewise. */
  readonly otlpJsonSeries = new OtlpSeriesCache();
  /** When each rollout's cap refusals were last logged (a line a minute at most). */
  readonly capWarnings = new CapWarnings();
  /** Requests being read, decoded or stored now (the admission limit). */
  inFlight = 0;

  constructor(options: { readonly maxSeriesStates?: number; readonly maxSeriesIds?: number } = {}) {
    this.seriesStates = new SeriesStateCache(options.maxSeriesStates);
    this.seriesFacts = new SeriesFactsMemo(new SeriesIds(options.maxSeriesIds));
  }
}
