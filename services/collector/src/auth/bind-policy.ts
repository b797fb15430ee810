import { isIP } from 'node:net';

export type BindDecision =
  | { readonly ok: true; readonly open: boolean; readonly note: string }
  | { readonly ok: false; readonly message: string };

/** 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === '::1' || bare === '::ffff:127.0.0.1';
}

/**
 * Whether the collector may listen on `host` with `tokenCount` tokens configured. Without tokens every
 * caller may change rollouts, so only loopback is allowed unless the operator says ALLOW_OPEN=true.
 */
export function bindDecision(host: string, tokenCount: number, allowOpen: boolean): BindDecision {
  if (tokenCount > 0) return { ok: true, open: false, note: `${tokenCount} API token(s) configured` };
  if (isLoopback(host)) {
    return {
      ok: true,
      open: true,
      note: `no API tokens configured: listening on loopback (${host}) only, and every local caller may do anything; set ROLLOUT_GUARD_TOKENS or TOKENS_FILE to serve other hosts`,
    };
  }
  if (allowOpen) {
    return {
      ok: true,
      open: true,
      note: `no API tokens configured and ALLOW_OPEN=true: anyone who reaches ${host} may change rollouts`,
    };
  }
  return {
    ok: false,
    message: `HOST=${host} is not a loopback address and no API tokens are configured: anyone could change rollouts. Set ROLLOUT_GUARD_TOKENS or TOKENS_FILE, listen on 127.0.0.1, or set ALLOW_OPEN=true to run open on purpose`,
  };
}
