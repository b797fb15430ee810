import { OtlpSeriesCache } from '../protocols/otlp-series-cache.ts';
import { RemoteWriteLabels } from '../protocols/remote-write.ts';
import { CapWarnings } from './cap-refusals.ts';
import { SeriesFactsMemo } from './series-facts.ts';
import { SeriesIds } from './series-id.ts';
import { SeriesStateCache } from './series-state.ts';

/** How long by default a series may go unsent before ingest forgets it, at the least (`INGEST_SERIES_IDLE_MS`). */
export const DEFAULT_SERIES_IDLE_MS = 300_000;
/** The shortest `INGEST_SERIES_IDLE_MS` taken: shorter, series would be forgotten between their senders' points. */
export const MIN_SERIES_IDLE_MS = 10_000;

/**
 * What the ingest path remembers between requests, in one object the server creates and passes to
 * the routes and the scraper (a test makes a fresh one): the series' cumulative states and marks,
 * their facts and ids, the remote-write label sets and OTLP series (protobuf and JSON apart), the cap
 * refusals logged, and the requests being stored. Everything here is bounded, and only saves work
 * (or log lines): a fresh runtime stores exactly what an old one would.
 *
 * Series not sent for a while are forgotten (`forgetIdle`), so that what it holds follows the series
 * senders send now rather than every series since a cache was last full: pods replaced by each wave
 * bring new label sets, and their old ones stop.
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
  /** The sweep period: a series unsent for a whole period is forgotten, so 1–2 periods after its last point. */
  readonly idleMs: number;
  /** When the last sweep ran (or the runtime was made). */
  #sweptAt: number | undefined;

  constructor(
    options: {
      readonly maxSeriesStates?: number;
      readonly maxSeriesIds?: number;
      readonly idleMs?: number;
    } = {},
  ) {
    this.seriesStates = new SeriesStateCache(options.maxSeriesStates);
    this.seriesFacts = new SeriesFactsMemo(new SeriesIds(options.maxSeriesIds));
    this.idleMs = options.idleMs ?? DEFAULT_SERIES_IDLE_MS;
  }

  /**
   * Every `idleMs`, forgets the series no request sent since the last sweep: their label sets and OTLP
   * series (with the facts they hold) and their cells of state. A forgotten series sent again is decoded
   * and matched again, and its state read from Redis: the same data stored, a little more work once.
   * Called as each batch is stored (`storeBatch`), so an idle collector holds on until traffic comes.
   * Returns how many series' entries were forgotten, or undefined when no sweep was due.
   */
  forgetIdle(nowMs: number): number | undefined {
    if (this.#sweptAt === undefined) this.#sweptAt = nowMs;
    // A clock gone back sweeps at once and starts over, rather than holding sweeps off for as long.
    if (nowMs >= this.#sweptAt && nowMs - this.#sweptAt < this.idleMs) return undefined;
    this.#sweptAt = nowMs;
    return (
      this.remoteWriteLabels.forgetIdle() +
      this.otlpSeries.forgetIdle() +
      this.otlpJsonSeries.forgetIdle() +
      this.seriesStates.forgetIdle()
    );
  }
}
