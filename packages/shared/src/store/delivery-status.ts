/**
 * Where a delivery stands. `pending`: enqueued, not yet tried; `retrying`: failed attempts, another is
 * scheduled; `delivered`: a 2xx; `stopped`: the receiver said 410 (or the target refused for good);
 * `gave-up`: retried for 24 h without success; `skipped`: the target's format does not act on this type.
 * No imports: the dashboard bundles it (`@rollout-guard/shared/display`).
 */
export type DeliveryStatus = 'pending' | 'retrying' | 'delivered' | 'stopped' | 'gave-up' | 'skipped';

/** The statuses a delivery ends in; only an ended delivery may be redelivered. */
export const FINAL_STATUSES: readonly DeliveryStatus[] = ['delivered', 'stopped', 'gave-up', 'skipped'];
