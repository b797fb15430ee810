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

/** The key segment of series-state hashes, and the one they had before writer tokens (now a fence). */
export const SERIES_STATE_SEGMENT = 'series-state2';
export const SERIES_STATE_FENCE_SEGMENT = 'series-state';

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

/** Built once per rollout name: the ingest path asks for a rollout's keys several times per batch. */
const KEYS_CACHE_LIMIT = 10_000;
const keysByRollout = new Map<string, RolloutKeys>();

/** The per-rollout keys known so far; features add theirs here, through `rolloutKey`. */
export function rolloutKeys(rollout: string): RolloutKeys {
  let keys = keysByRollout.get(rollout);
  if (keys === undefined) {
    keys = Object.freeze(buildRolloutKeys(rollout));
    if (keysByRollout.size >= KEYS_CACHE_LIMIT) keysByRollout.clear();
    keysByRollout.set(rollout, keys);
  }
  return keys;
}

export type RolloutKeys = Readonly<ReturnType<typeof buildRolloutKeys>>;

function buildRolloutKeys(rollout: string) {
  const key = (...parts: Array<string | number>) => rolloutKey(rollout, ...parts.map(String));
  return {
    /** The stored spec (JSON) and its version. */
    spec: key('spec'),
    /** Every stored version of the spec, for evidence that cites an older one. */
    specHistory: key('spec-history'),
    /** Phase, wave, timestamps: the state machine's current position. */
    state: key('state'),
    /** Append-only audit log (a stream): every transition and decision with its inputs. */
    audit: key('audit'),
    /** Decisions (verdicts, rollbacks) by id. */
    decisions: key('decisions'),
    /** Decision ids by time (ZSET), for listing. */
    decisionIndex: key('decisions', 'idx'),
    /** Deliveries and timers a transition asked for, until their jobs are enqueued (HASH id → JSON). */
    outbox: key('outbox'),
    /** The latest values of a PromQL check per cohort (HASH cohort → JSON), written by the poll-promql job. */
    promqlValues: (check: string) => key('promql', check),
    /** A check's evaluations over time, for charts. */
    checkHistory: (check: string) => key('check-history', check),
    /** One time bucket of a metric for a cohort at a resolution (`10s`, `5m`, `1h`). */
    metricBucket: (resolution: string, metric: string, cohort: string, startMs: number) =>
      key('bucket', resolution, metric, cohort, startMs),
    /** A metric's running total for a cohort since a wave began (`waveEpoch` tells waves apart). */
    waveTotal: (waveEpoch: number, metric: string, cohort: string) => key('wave', waveEpoch, metric, cohort),
    /** A metric's pre-rollout total over the whole population. */
    baselineTotal: (metric: string) => key('baseline', metric),
    /**
     * The previous cumulative value of each series of a metric, to turn cumulative into delta. Named
     * `series-state2` since the collector writes writer tokens into it; see `seriesStateFence`.
     */
    seriesState: (metric: string) => key(SERIES_STATE_SEGMENT, metric),
    /**
     * The name series states had before writer tokens: now the upgrade fence, a STRING that makes a
     * collector of the older version fail (WRONGTYPE) instead of writing states behind a token
     * (services/collector/src/ingest/README.md, "The upgrade fence"). Same hash tag as `seriesState`.
     */
    seriesStateFence: (metric: string) => key(SERIES_STATE_FENCE_SEGMENT, metric),
    /** Digests of ingest batches already applied, so that a retried batch counts once. */
    batchMarkers: key('batches'),
    /** The rollout's active series with their last-seen time, for the cardinality cap. */
    activeSeries: key('active-series'),
    /** Flagger's traffic steps granted to a canary revision in a run of the rollout (HASH `checksum`, `run`, `steps`). */
    flaggerSteps: key('flagger'),
  };
}

/** Keys spanning rollouts. */
export const globalKeys = {
  /** The set of rollout names: lists and the evaluator's scheduler read it. */
  rollouts: `${KEY_ROOT}:rollouts`,
  /** name → the collector's matcher view of each rollout that collects data (HASH). */
  active: `${KEY_ROOT}:active`,
  /** Names of archived rollouts (SET): out of `rollouts`, their record kept, their metric data gone. */
  archived: `${KEY_ROOT}:archived`,
  /** Pub/sub channel: a rollout's name is published when its phase, wave or spec changes. */
  changes: `${KEY_ROOT}:changes`,
  /** Delivery ids by creation time (ZSET): the webhook delivery log. */
  deliveries: `${KEY_ROOT}:deliveries`,
  /** One delivery's record (HASH) and its attempts (LIST `<key>:attempts`). */
  delivery: (id: string) => `${KEY_ROOT}:delivery:${id}`,
  /** The collector replica that scrapes a target (STRING owner id, PX lease); `target` is a digest. */
  scrapeLease: (target: string) => `${KEY_ROOT}:scrape-lease:${target}`,
  /** One backtest: its request, status and report (STRING JSON, expiring). */
  backtest: (id: string) => `${KEY_ROOT}:backtest:${id}`,
} as const;

/**
 * The audit log as it is read: a copy of every rollout's audit stream under the `{audit}` hash tag, so it
 * does not live and die with a rollout's own keys (deleting a rollout leaves its record until retention
 * removes it) and one script can append to the all-rollouts feed and the rollout's copy together.
 */
export const auditKeys = {
  /** Every rollout's entries in the order they were copied (STREAM: `rollout`, `source`, `rev`, `entry`). */
  feed: `${KEY_ROOT}:{audit}:feed`,
  /** rollout name → the id in its own stream (`rg:{<name>}:audit`) of the last entry copied (HASH). */
  copied: `${KEY_ROOT}:{audit}:copied`,
  /** One rollout's entries, under the same ids as in the feed (STREAM). */
  rollout: (name: string) => {
    rolloutKey(name); // the same name check as every per-rollout key
    return `${KEY_ROOT}:{audit}:rollout:${name}`;
  },
} as const;
