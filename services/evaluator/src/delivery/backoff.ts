/**
 * When to try a failed delivery again. Exponential with "equal jitter": half of each step is fixed
 * and half random, so that retries of many deliveries that failed together spread out, yet every
 * delay is at least as long as the one before (until the cap) whatever the random draws.
 */
export interface RetryPolicy {
  /** Upper bound of the first delay. */
  baseMs: number;
  /** No single delay is longer. Keep it `baseMs` times a power of two, so that delays grow right up to it. */
  capMs: number;
  /** Counted from the first attempt; no attempt is scheduled later than this. */
  giveUpAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  baseMs: 1_000,
  capMs: 1_000 * 2 ** 12, // about 68 minutes
  giveUpAfterMs: 24 * 60 * 60_000,
};

/**
 * @param attempt attempts made so far (1 after the first failure)
 * @param firstAttemptAt epoch ms of the first attempt
 * @param now epoch ms of the failure being planned for
 * @param retryAfterMs what the receiver asked for; never retried sooner, and if it points past the
 *   deadline the delivery gives up instead of retrying early
 * @param rng uniform in [0, 1)
 * @returns the delay in ms before the next attempt, or 'give-up'
 */
export function nextDelay(
  attempt: number,
  firstAttemptAt: number,
  now: number,
  retryAfterMs?: number,
  rng: () => number = Math.random,
  policy: RetryPolicy = defaultRetryPolicy,
): number | 'give-up' {
  const remaining = firstAttemptAt + policy.giveUpAfterMs - now;
  if (remaining <= 0) return 'give-up';
  if (retryAfterMs !== undefined && retryAfterMs > remaining) return 'give-up';
  const step = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  let delay = step / 2 + rng() * (step / 2);
  if (retryAfterMs !== undefined) delay = Math.max(delay, retryAfterMs);
  return Math.min(Math.ceil(delay), Math.floor(remaining));
}
