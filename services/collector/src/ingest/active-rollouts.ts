import type { Logger } from '@rollout-guard/shared/observability';
import { globalKeys, type RedisClient } from '@rollout-guard/shared/redis';
import type { ActiveRollout } from '@rollout-guard/shared/store';
import { Cluster } from 'ioredis';
import { Matcher } from './matcher.ts';

export interface ActiveRolloutsOptions {
  /** Reads `rg:active`; a producer connection is fine. */
  redis: RedisClient;
  logger: Logger;
  /** Fallback for a missed `rg:changes` message (default 5 s). */
  pollMs?: number;
}

/** The collector's in-memory view of the active rollouts, kept fresh by pub/sub and polling. */
export interface ActiveRollouts {
  /** The matcher of the last successful load; null until the first one (ingest answers 503 until then). */
  current(): Matcher | null;
  /** Loads `rg:active` now. Concurrent calls share one load. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Watches `rg:active`: loads it at once, again whenever a rollout's name is published on
 * `rg:changes`, and every `pollMs` in case a message was lost (a subscriber that was reconnecting).
 * A failed load keeps the previous view: a Redis outage must not make every point look unwanted.
 */
export function watchActiveRollouts(options: ActiveRolloutsOptions): ActiveRollouts {
  const { redis, logger } = options;
  let matcher: Matcher | null = null;
  /** `rg:active` as the current matcher was built from it. */
  let matcherSource: string | undefined;
  let loading: Promise<void> | null = null;
  let again = false;
  let closed = false;

  async function load() {
    const fields = Object.entries(await redis.hgetall(globalKeys.active));
    // A poll mostly finds nothing changed: the same matcher keeps every series' facts (its rollouts,
    // cohorts, id), where a new one has the ingest path derive them again for each series it sees.
    const source = JSON.stringify(fields.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (matcher !== null && source === matcherSource) return;
    const rollouts: ActiveRollout[] = [];
    for (const [name, text] of fields) {
      try {
        rollouts.push(JSON.parse(text) as ActiveRollout);
      } catch (error) {
        logger.error(
          { rollout: name, err: error },
          `rg:active holds invalid JSON for rollout "${name}"; skipped`,
        );
      }
    }
    matcher = new Matcher(rollouts);
    matcherSource = source;
  }

  function refresh(): Promise<void> {
    if (loading !== null) {
      // A change published while a load reads may be missed by that read: load once more after it.
      again = true;
      return loading;
    }
    loading = (async () => {
      try {
        do {
          again = false;
          await load();
        } while (again && !closed);
      } finally {
        loading = null;
      }
    })();
    return loading;
  }

  const quietRefresh = () => {
    // Not connected yet (start-up, an outage): the connection's own 'ready' triggers the load.
    if (redis.status !== 'ready') return Promise.resolve();
    return refresh().catch((error: unknown) => {
      logger.warn({ err: error }, 'could not load the active rollouts from Redis; keeping the last view');
    });
  };
  const onReady = () => void quietRefresh();
  redis.on('ready', onReady);

  // Subscribing needs a connection of its own; it re-subscribes by itself after a reconnect.
  // The offline queue lets SUBSCRIBE wait for a connection instead of failing like a producer command.
  const subscriber =
    redis instanceof Cluster
      ? redis.duplicate(undefined, { enableOfflineQueue: true })
      : redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
  subscriber.on('error', () => {
    // Reconnection is automatic; the poll covers the gap. Logged by the main connection's owner.
  });
  subscriber.on('message', () => void quietRefresh());
  subscriber.on('ready', () => void quietRefresh());
  void subscriber.subscribe(globalKeys.changes).catch(() => undefined);
  const timer = setInterval(() => void quietRefresh(), options.pollMs ?? 5000);
  timer.unref();
  void quietRefresh();

  return {
    current: () => matcher,
    refresh,
    async close() {
      closed = true;
      clearInterval(timer);
      redis.off('ready', onReady);
      subscriber.disconnect();
    },
  };
}
