import type { RedisClient } from './create-redis.ts';

export type PingResult = { ok: true; latencyMs: number } | { ok: false; reason: string };

/**
 * One PING bounded by `timeoutMs`, for readiness probes: a probe must answer within its own timeout
 * whatever state the connection is in (connecting, offline queue, hung server).
 */
export async function pingRedis(client: RedisClient, timeoutMs = 1000): Promise<PingResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<PingResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, reason: `Redis did not answer PING within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  const ping = client.ping().then(
    (): PingResult => ({ ok: true, latencyMs: performance.now() - started }),
    (error: unknown): PingResult => ({
      ok: false,
      reason: `Redis PING failed: ${error instanceof Error ? error.message : String(error)}`,
    }),
  );
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** QUIT politely, but never wait more than `timeoutMs` for a Redis that is not there. */
export async function closeRedis(client: RedisClient, timeoutMs = 1000): Promise<void> {
  if (client.status === 'end') return;
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  try {
    await Promise.race([client.quit().then(() => undefined), gaveUp]);
  } catch {
    // QUIT fails when the connection is already down; disconnect below is all that is left to do.
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/**
 * Resolves once the client can take commands. A producer connection refuses commands until then
 * (no offline queue), so code that must not start with a 503 waits here first.
 */
export async function waitUntilReady(client: RedisClient, timeoutMs = 5000): Promise<void> {
  if (client.status === 'ready') return;
  let timer: NodeJS.Timeout | undefined;
  let onReady: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onReady = resolve;
      client.once('ready', onReady);
      timer = setTimeout(() => reject(new Error(`Redis was not ready within ${timeoutMs} ms`)), timeoutMs);
    });
  } finally {
    clearTimeout(timer);
    if (onReady !== undefined) client.off('ready', onReady);
  }
}
