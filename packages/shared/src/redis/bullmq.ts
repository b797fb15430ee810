/**
 * BullMQ puts every key of a queue under `<prefix>:<queue>:…`. On Redis Cluster its Lua scripts
 * touch several of those keys at once, so they must hash to one slot: the braces make the prefix a
 * hash tag. All queues then live on one shard, which is fine for job traffic (the metric buckets,
 * the hot path, are spread by the per-rollout hash tags in keys.ts).
 */
export const QUEUE_PREFIX = '{rollout-guard}';

/**
 * Finished jobs are removed automatically (BullMQ production guide) so Redis memory stays flat;
 * failed ones are kept a week for inspection. The decision audit log, not BullMQ, is the record.
 */
export const DEFAULT_JOB_OPTIONS = {
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;
