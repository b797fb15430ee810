/**
 * Deterministic BullMQ job ids. BullMQ refuses custom ids that contain ':' (its own key separator) or that
 * read as integers, so ids are joined with '.' and every part is reduced to [A-Za-z0-9_-].
 */
function part(value: string | number): string {
  return String(value).replace(/[^A-Za-z0-9_-]/g, '_');
}

/** One checkpoint per rollout, wave instance and bake attempt: re-scheduling the same bake end is a no-op. */
export function checkpointJobId(rollout: string, waveEpoch: number, attempt: number): string {
  return `cp.${part(rollout)}.${part(waveEpoch)}.${part(attempt)}`;
}

/** One deliver job per outbox delivery: enqueueing it twice (sweeper and evaluator racing) keeps one job. */
export function deliverJobId(deliveryId: string): string {
  return `dl.${part(deliveryId)}`;
}

export function pollPromqlSchedulerId(rollout: string, check: string): string {
  return `pq.${part(rollout)}.${part(check)}`;
}
