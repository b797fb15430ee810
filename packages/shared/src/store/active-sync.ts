import { globalKeys } from '../redis/keys.ts';
import { type ActiveRollout, activeView } from './active-view.ts';
import type { RedisConnection } from './lua-script.ts';
import type { RolloutRecord } from './store-context.ts';

/**
 * Makes a rollout's entry in `rg:active` agree with `current` (its spec and state; null: gone) and, when it
 * changed, publishes the name on `rg:changes` so collectors reload it. Returns the view (null: inactive).
 */
export async function syncActiveView(
  redis: RedisConnection,
  name: string,
  current: RolloutRecord | null,
): Promise<ActiveRollout | null> {
  const view =
    current === null ? null : activeView(current.spec.spec, current.spec.version, current.state.state);
  const previous = await redis.hget(globalKeys.active, name);
  const next = view === null ? null : JSON.stringify(view);
  if (previous !== next) {
    if (next === null) await redis.hdel(globalKeys.active, name);
    else await redis.hset(globalKeys.active, name, next);
    await redis.publish(globalKeys.changes, name);
  }
  return view;
}

export async function listActive(redis: RedisConnection): Promise<ActiveRollout[]> {
  const fields = await redis.hgetall(globalKeys.active);
  return Object.values(fields).map((text) => JSON.parse(text) as ActiveRollout);
}
