import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Egress } from '@rollout-guard/shared/egress';
import type { Logger } from '@rollout-guard/shared/observability';
import type { RedisClient } from '@rollout-guard/shared/redis';
import { type EnvAllowlist, parseEnvAllowlist, type ScrapeTarget } from '@rollout-guard/shared/spec';
import type { Registry } from 'prom-client';
import type { ActiveRollouts } from '../ingest/active-rollouts.ts';
import { reportCapRefusals } from '../ingest/cap-refusals.ts';
import type { IngestRuntime } from '../ingest/ingest-runtime.ts';
import type { IngestLimits } from '../ingest/limits.ts';
import type { OnStored } from '../ingest/notify-evaluator.ts';
import { storeBatch } from '../ingest/store-batch.ts';
import { ScrapeFailure, scrapeOnce } from './fetch-scrape.ts';
import { type ScrapeLeases, scrapeLeases } from './scrape-lease.ts';
import { type ScrapeMetrics, scrapeMetrics } from './scrape-metrics.ts';
import { CONFIG_SOURCE, type PlannedTarget, planTargets } from './scrape-targets.ts';

export interface ScraperDeps {
  /** The egress policy every scrape goes through. */
  egress: Egress;
  /** A `producer` connection (fails fast): a scrape while Redis is away fails and is counted. */
  redis: RedisClient;
  logger: Logger;
  metrics: Registry;
  /** The ingest's cache of `rg:active`: its matcher routes the points, its rollouts list targets. */
  activeRollouts: Pick<ActiveRollouts, 'current'>;
  /** Targets of the SCRAPE_CONFIG file, scraped whatever rollouts are active. */
  configured: readonly ScrapeTarget[];
  limits: IngestLimits;
  /** The ingest routes' runtime: scraped and pushed series share their states and facts. */
  runtime: IngestRuntime;
  /** Called once a scrape stored new data; `evaluateOnStored` enqueues the evaluations. */
  onStored?: OnStored;
  /** This replica's lease owner id; default host, pid and a random part. */
  owner?: string;
  /** How often the target list is compared with the active rollouts (default 1 s). */
  syncMs?: number;
  /** For header values read from the environment (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** The variables a spec's scrape headers may read (default: SPEC_ENV_ALLOWED of `env`). */
  specEnvAllowed?: EnvAllowlist;
  now?: () => number;
  /** In [0, 1): spreads first scrapes over the interval (default Math.random). */
  random?: () => number;
}

export interface Scraper {
  /** Re-plans the targets from the active rollouts now (it also does so every `syncMs`). */
  sync(): void;
  /** The targets planned now, whether this replica holds their lease or not. */
  targets(): PlannedTarget[];
  /** Stops every loop, waits for scrapes under way, releases this replica's leases. */
  stop(): Promise<void>;
}

/** What a target's last tick came to; logged when it changes, not on every scrape. */
type TargetState = 'ok' | 'standby' | 'waiting' | `failed:${ScrapeFailure['reason']}`;

interface LoopContext {
  readonly deps: ScraperDeps;
  readonly leases: ScrapeLeases;
  readonly metrics: ScrapeMetrics;
  readonly now: () => number;
  readonly onRoleChange: () => void;
  readonly specEnvAllowed: EnvAllowlist;
}

/**
 * Scrapes every target of the active rollouts and of the SCRAPE_CONFIG file at its interval, and
 * stores the points through the ingest's storage path (matching, cumulative → increase,
 * idempotence, evaluation notice). Each target runs its own loop: one scrape at a time, the first
 * at a random point of the interval; the replica holding the target's lease scrapes it, the others
 * stand by and take over when the lease lapses. Failures are counted and never stop a loop.
 */
export function startScraper(deps: ScraperDeps): Scraper {
  const owner = deps.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const loops = new Map<string, TargetLoop>();
  const context: LoopContext = {
    deps,
    leases: scrapeLeases(deps.redis, owner),
    metrics: scrapeMetrics(deps.metrics),
    now: deps.now ?? Date.now,
    onRoleChange: () => countRoles(),
    specEnvAllowed:
      deps.specEnvAllowed ?? parseEnvAllowlist((deps.env ?? process.env).SPEC_ENV_ALLOWED ?? ''),
  };
  let seen: unknown;
  let stopped = false;

  function countRoles() {
    let owned = 0;
    for (const loop of loops.values()) if (loop.owned) owned++;
    context.metrics.targets.set({ role: 'owner' }, owned);
    context.metrics.targets.set({ role: 'standby' }, loops.size - owned);
  }

  function sync() {
    if (stopped) return;
    const matcher = deps.activeRollouts.current();
    seen = matcher;
    const plan = planTargets(matcher?.rollouts ?? [], deps.configured);
    for (const [key, loop] of loops) {
      if (plan.has(key)) continue;
      loops.delete(key);
      void loop.stop();
      deps.logger.info({ target: loop.planned.label }, 'scrape target no longer listed; stopped scraping it');
    }
    for (const [key, planned] of plan) {
      const loop = loops.get(key);
      if (loop !== undefined) {
        loop.planned = planned;
        continue;
      }
      const created = new TargetLoop(planned, context);
      loops.set(key, created);
      created.start((deps.random ?? Math.random)());
      deps.logger.info(
        { target: planned.label, interval: planned.target.interval.text, sources: planned.sources },
        'scraping a new target',
      );
    }
    countRoles();
  }

  // The cache swaps its matcher on every change of rg:active: a new object means a new plan.
  const timer = setInterval(() => {
    if (deps.activeRollouts.current() !== seen) sync();
  }, deps.syncMs ?? 1000);
  timer.unref();
  sync();

  return {
    sync,
    targets: () => [...loops.values()].map((loop) => loop.planned),
    async stop() {
      stopped = true;
      clearInterval(timer);
      const running = [...loops.values()];
      loops.clear();
      await Promise.all(running.map((loop) => loop.stop()));
    },
  };
}

/** The longest delay setTimeout keeps; a longer one fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

class TargetLoop {
  owned = false;
  #state: TargetState | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #dueAt = 0;
  readonly #abort = new AbortController();

  constructor(
    public planned: PlannedTarget,
    private readonly context: LoopContext,
  ) {}

  start(jitter: number) {
    this.#dueAt = this.context.now() + Math.floor(jitter * this.planned.target.interval.ms);
    this.#schedule();
  }

  async stop() {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#abort.abort();
    await this.#running;
    const { metrics, leases, deps } = this.context;
    metrics.up.remove({ target: this.planned.label });
    if (this.owned) {
      this.owned = false;
      // Another replica takes over at its next tick instead of waiting for the lease to lapse.
      await leases.release(this.planned.key).catch((error: unknown) => {
        deps.logger.debug({ target: this.planned.label, err: error }, 'could not release a scrape lease');
      });
    }
  }

  #schedule() {
    if (this.#stopped) return;
    const now = this.context.now();
    // Keep to the grid of the interval: a slow scrape skips a slot rather than shifting every later one.
    while (this.#dueAt < now) this.#dueAt += this.planned.target.interval.ms;
    // setTimeout fires at once for a delay past 2^31 − 1 ms (24.8 days): a 30 d interval would scrape
    // in a tight loop. A far slot is waited for in steps of at most that.
    if (this.#dueAt - now > MAX_TIMER_MS) {
      this.#timer = setTimeout(() => this.#schedule(), MAX_TIMER_MS);
      return;
    }
    this.#timer = setTimeout(() => {
      this.#running = this.#tick().finally(() => {
        this.#running = undefined;
        this.#dueAt += this.planned.target.interval.ms;
        this.#schedule();
      });
    }, this.#dueAt - now);
  }

  async #tick() {
    const { planned } = this;
    const { deps, metrics, leases } = this.context;
    const label = planned.label;
    try {
      // Held past two missed scrapes: a replica that stops renewing hands the target over within that.
      const ttl = planned.target.interval.ms * 2 + planned.target.timeout.ms;
      const owned = await leases.hold(planned.key, ttl);
      if (owned !== this.owned) {
        this.owned = owned;
        this.context.onRoleChange();
        if (!owned) metrics.up.remove({ target: label });
      }
      if (!owned) return this.#enter('standby');
    } catch (error) {
      return this.#fail(
        new ScrapeFailure('store', `cannot reach Redis for the scrape lease: ${message(error)}`),
      );
    }
    const matcher = deps.activeRollouts.current();
    if (matcher === null) return this.#enter('waiting');

    const started = performance.now();
    const nowMs = this.context.now();
    metrics.scrapes.inc({ target: label });
    try {
      const { batch } = await scrapeOnce(planned.target, {
        nowMs,
        egress: deps.egress,
        maxBytes: deps.limits.maxDecodedBytes,
        wantsMetric: matcher.wantsMetric,
        signal: this.#abort.signal,
        ...(deps.env && { env: deps.env }),
        // The SCRAPE_CONFIG file is the operator's own: only what specs list is held to the allowlist.
        ...(!planned.sources.includes(CONFIG_SOURCE) && { envAllowed: this.context.specEnvAllowed }),
      });
      const dropped = Object.values(batch.dropped).reduce((a, b) => a + (b ?? 0), 0);
      metrics.points.inc(
        { target: label, outcome: 'received' },
        batch.points.length + dropped + batch.rejectedCount,
      );
      let outcome: Awaited<ReturnType<typeof storeBatch>>;
      try {
        outcome = await storeBatch(deps.redis, deps.runtime, {
          points: batch.points,
          matcher,
          // One scrape of one target at one time: never applied twice, even if Redis saw it half-way.
          digest: createHash('sha1').update(`scrape\u0000${planned.key}\u0000${nowMs}`).digest('base64url'),
          nowMs,
          limits: deps.limits,
        });
      } catch (error) {
        throw new ScrapeFailure('store', `the points could not be stored in Redis: ${message(error)}`);
      }
      const noMatch = Object.values(outcome.dropped).reduce((a, b) => a + (b ?? 0), 0);
      metrics.points.inc({ target: label, outcome: 'stored' }, outcome.stored);
      metrics.points.inc({ target: label, outcome: 'dropped' }, dropped + noMatch + outcome.ignored);
      metrics.points.inc({ target: label, outcome: 'rejected' }, batch.rejectedCount + outcome.refused.total);
      reportCapRefusals(outcome.capRefused, {
        metrics: deps.metrics,
        logger: deps.logger,
        warnings: deps.runtime.capWarnings,
        limit: deps.limits.maxActiveSeriesPerRollout,
        nowMs,
      });
      if (outcome.touched.length > 0) deps.onStored?.(outcome.touched, nowMs);
      metrics.up.set({ target: label }, 1);
      this.#enter('ok');
    } catch (error) {
      if (this.#stopped) return;
      this.#fail(
        error instanceof ScrapeFailure
          ? error
          : new ScrapeFailure('store', `unexpected error: ${message(error)}`),
      );
      if (!(error instanceof ScrapeFailure))
        deps.logger.error({ target: label, err: error }, 'scrape failed unexpectedly');
    } finally {
      metrics.duration.observe({ target: label }, (performance.now() - started) / 1000);
    }
  }

  #fail(failure: ScrapeFailure) {
    const { metrics } = this.context;
    metrics.errors.inc({ target: this.planned.label, reason: failure.reason });
    if (this.owned) metrics.up.set({ target: this.planned.label }, 0);
    this.#enter(`failed:${failure.reason}`, failure.message);
  }

  #enter(state: TargetState, detail?: string) {
    if (state === this.#state) return;
    const previous = this.#state;
    this.#state = state;
    const { logger } = this.context.deps;
    const fields = { target: this.planned.label, sources: this.planned.sources, state, previous };
    if (state.startsWith('failed:')) logger.warn(fields, `scrape of ${this.planned.label} failed: ${detail}`);
    else if (state === 'ok') logger.info(fields, `scraping ${this.planned.label}`);
    else if (state === 'standby')
      logger.info(fields, `another collector holds the lease of ${this.planned.label}; standing by`);
    else logger.info(fields, `waiting for the active rollouts to load before scraping ${this.planned.label}`);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
