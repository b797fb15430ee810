import type { Logger } from '@rollout-guard/shared/observability';
import type { Registry } from 'prom-client';
import { ingestMetrics } from './ingest-metrics.ts';

/** At most one warn line per rollout this often about points its cardinality cap refused. */
export const CAP_WARNING_EVERY_MS = 60_000;

/** Points of one rollout's new series that its cardinality cap refused in one batch. */
export interface CapRefusal {
  readonly rollout: string;
  readonly count: number;
  /** One refused point, as `describePoint` tells it. */
  readonly example: string;
}

/** What a warn line tells: the points refused since the last line, and how long ago that was. */
export interface CapWarning {
  readonly refused: number;
  /** Undefined: no line about this rollout before (none this collector remembers), or the clock went back. */
  readonly sinceMs?: number;
}

/**
 * When each rollout's cap refusals were last told, and how many points it refused since. At its cap a
 * rollout refuses new series in nearly every request: a line each would bury everything else in the
 * log, so the first refusal is told at once and the rest once a minute, summed. Bounded by the number
 * of rollouts refusing within a minute: past a thousand rollouts, those quiet for a minute are
 * forgotten, their next refusal told at once.
 */
export class CapWarnings {
  readonly #byRollout = new Map<string, { toldAt: number; untold: number }>();

  /**
   * Notes `count` refused points of `rollout`: what to tell now, or undefined while the last line about
   * it is less than a minute old (the points then wait for the next line).
   */
  take(rollout: string, count: number, nowMs: number): CapWarning | undefined {
    const last = this.#byRollout.get(rollout);
    // Undefined with no line before, or a clock gone back since it: told at once.
    const sinceMs = last === undefined || nowMs < last.toldAt ? undefined : nowMs - last.toldAt;
    if (last !== undefined && sinceMs !== undefined && sinceMs < CAP_WARNING_EVERY_MS) {
      last.untold += count;
      return undefined;
    }
    if (last === undefined) this.#forgetQuietRollouts(nowMs);
    this.#byRollout.set(rollout, { toldAt: nowMs, untold: 0 });
    const refused = count + (last?.untold ?? 0);
    return sinceMs === undefined ? { refused } : { refused, sinceMs };
  }

  #forgetQuietRollouts(nowMs: number) {
    if (this.#byRollout.size < 1_000) return;
    for (const [rollout, { toldAt }] of this.#byRollout) {
      if (nowMs - toldAt >= CAP_WARNING_EVERY_MS) this.#byRollout.delete(rollout);
    }
  }
}

/**
 * Counts each rollout's cap refusals in `rollout_guard_ingest_cardinality_refused_total{rollout}`
 * (every point) and tells them in a warn line, at most once a minute per rollout (`CapWarnings`).
 */
export function reportCapRefusals(
  refusals: readonly CapRefusal[],
  deps: {
    readonly metrics: Registry;
    readonly logger: Logger;
    readonly warnings: CapWarnings;
    readonly limit: number;
    readonly nowMs: number;
  },
) {
  if (refusals.length === 0) return;
  const metrics = ingestMetrics(deps.metrics);
  for (const { rollout, count, example } of refusals) {
    metrics.cardinalityRefused.inc({ rollout }, count);
    const told = deps.warnings.take(rollout, count, deps.nowMs);
    if (told === undefined) continue;
    const since =
      told.sinceMs === undefined ? '' : ` since the last such line ${Math.round(told.sinceMs / 1000)} s ago`;
    deps.logger.warn(
      { rollout, refused: told.refused, example, limit: deps.limit },
      `refused ${told.refused} point(s) of new series${since}: rollout "${rollout}" is at its cap of ` +
        `${deps.limit} active series (told at most once a minute; every point is counted in ` +
        'rollout_guard_ingest_cardinality_refused_total)',
    );
  }
}
