import type { ActiveRollout } from './active-view.ts';
import type { RedisConnection } from './lua-script.ts';
import type { StoredSpec, StoredState } from './records.ts';

/** A rollout's spec version that its state judges by, with that state. */
export interface RolloutRecord {
  readonly spec: StoredSpec;
  readonly state: StoredState;
}

/**
 * What the writers of a rollout store (`putSpec`, `applyEvent`, `addSystemDecision`) share: the connection,
 * how often to retry a compare-and-set, and the reads and the `rg:active` sync they build on.
 */
export interface StoreContext {
  readonly redis: RedisConnection;
  readonly maxAttempts: number;
  getSpec(name: string, version?: number): Promise<StoredSpec | null>;
  getState(name: string): Promise<StoredState | null>;
  syncActive(name: string, known?: RolloutRecord): Promise<ActiveRollout | null>;
}
