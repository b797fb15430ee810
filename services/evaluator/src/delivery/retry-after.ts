/**
 * `Retry-After` (RFC 9110 §10.2.3) as milliseconds from `nowMs`: either delay-seconds or an
 * HTTP-date. Anything else is ignored (undefined) rather than guessed at.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Date.parse also reads forms that are not HTTP-dates ("2026", "1 2 3"); demand the IMF-fixdate
  // shape or the two obsolete ones (RFC 850, asctime), which all name a weekday.
  if (!/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * `X-Ratelimit-Reset` as LaunchDarkly sends it with a 429: the epoch milliseconds at which its rate-limit
 * window resets, as milliseconds from `nowMs`. Anything else is ignored (undefined).
 */
export function parseRateLimitReset(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined || !/^\d{10,16}$/.test(value.trim())) return undefined;
  return Math.max(0, Number(value.trim()) - nowMs);
}
