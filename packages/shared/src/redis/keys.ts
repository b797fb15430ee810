/**
 * The Redis key scheme. Every key that belongs to one rollout lives under `rg:{<rollout>}:`: the
 * braces are a Cluster hash tag, so all of a rollout's keys share one slot and a Lua script may
 * read its buckets and write its state atomically on Cluster too. Rollouts spread across shards.
 * Keys that span rollouts (the index) sit under `rg:` without a tag and are never touched by
 * the same script as per-rollout keys.
 */
export const KEY_ROOT = 'rg';

const ROLLOUT_NAME = /^[a-z0-9-]+$/;

export class KeyNameError extends Error {
  override name = 'KeyNameError';
}

/** `rg:{<rollout>}:<part>:<part>…` — the one way to build a per-rollout key. */
export function rolloutKey(rollout: string, ...parts: string[]): string {
  if (!ROLLOUT_NAME.test(rollout)) {
    throw new KeyNameError(`rollout name "${rollout}" must match [a-z0-9-]+ to be used in a Redis key`);
  }
  for (const part of parts) {
    // A brace would start a second hash tag in readers' heads, and ':' is our separator.
    if (part === '' || /[{}:]/.test(part)) {
      throw new KeyNameError(`key part "${part}" of rollout "${rollout}" must be non-empty without { } or :`);
    }
  }
  return [`${KEY_ROOT}:{${rollout}}`, ...parts].join(':');
}

/** The per-rollout keys known so far; features add theirs here, through `rolloutKey`. */
export function rolloutKeys(rollout: string) {
  return {
    /** The stored spec (JSON) and its version. */
    spec: rolloutKey(rollout, 'spec'),
    /** Every stored version of the spec, for evidence that cites an older one. */
    specHistory: rolloutKey(rollout, 'spec-history'),
    /** Phase, wave, timestamps: the state machine's current position. */
    state: rolloutKey(rollout, 'state'),
    /** Append-only audit log (a stream): every transition and decision with its inputs. */
    audit: rolloutKey(rollout, 'audit'),
    /** Decisions (verdicts, rollbacks) by id. */
    decisions: rolloutKey(rollout, 'decisions'),
    /** A check's evaluations over time, for charts. */
    series: (check: string) => rolloutKey(rollout, 'series', check),
    /** Aggregated metric buckets of one check and cohort. */
    buckets: (check: string, cohort: string) => rolloutKey(rollout, 'buckets', check, cohort),
    /** Metric data (store/buckets.ts): one time bucket of one metric and cohort at one resolution. */
    metricBucket: (res: string, metric: string, cohort: string, start: number) =>
      rolloutKey(rollout, 'b', res, metric, cohort, String(start)),
    /** Metric data: the running total of one metric and cohort since a wave began. */
    waveTotal: (waveEpoch: number, metric: string, cohort: string) =>
      rolloutKey(rollout, 'w', String(waveEpoch), metric, cohort),
    /** Metric data: the whole population's total during the baseline phase. */
    baselineTotal: (metric: string) => rolloutKey(rollout, 'bl', metric),
    /** Cumulative series of one metric: series id → last cumulative vector, start, time (ingest script). */
    seriesState: (metric: string) => rolloutKey(rollout, 'series-state', metric),
    /** Digests of ingest batches already applied: a retried batch counts once. */
    batchMarkers: rolloutKey(rollout, 'batches'),
    /** Series id → last seen ms: the active series under the cardinality cap. */
    activeSeries: rolloutKey(rollout, 'active-series'),
  };
}

/** Keys spanning rollouts. */
export const globalKeys = {
  /** The set of rollout names: lists and the evaluator's scheduler read it. */
  rollouts: `${KEY_ROOT}:rollouts`,
} as const;
