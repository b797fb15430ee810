/**
 * Deterministic BullMQ job ids. BullMQ refuses custom ids that contain ':' (its own key separator) or that
 * read as integers, so ids are joined with '.' and every part is reduced to [A-Za-z0-9_-].
 */
function part(value: string | number): string {
  return String(value).replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * A timer job from the decision core's deterministic schedule id (rollout, spec version, wave, due time):
 * scheduling the same timer twice keeps one job, and an extended bake gets a new one.
 */
export function checkpointJobId(scheduleId: string): string {
  return `cp.${part(scheduleId)}`;
}

/** One deliver job per outbox delivery: enqueueing it twice (sweeper and evaluator racing) keeps one job. */
export function deliverJobId(deliveryId: string): string {
  return `dl.${part(deliveryId)}`;
}

export function pollPromqlSchedulerId(rollout: string, check: string): string {
  return `pq.${part(rollout)}.${part(check)}`;
}
