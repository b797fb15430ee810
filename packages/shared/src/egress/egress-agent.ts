import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector, type RequestInit, type Response, fetch as undiciFetch } from 'undici';
import { EgressRefusedError } from './egress-error.ts';
import { type EgressPolicy, egressVerdict } from './egress-policy.ts';

/** Resolves a name to every address it has, as `dns.lookup` with `all: true` does. */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    );
  });

export interface EgressOptions {
  /** How names are resolved (default: the system's resolver); tests give names addresses of their choice. */
  resolve?: Resolve;
}

/** A request sent under the policy: the fields every outbound caller uses. */
export interface EgressRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | null;
  signal?: AbortSignal;
  /** Same-origin redirects followed at most this many times (default 3). */
  maxRedirects?: number;
}

export interface Egress {
  readonly policy: EgressPolicy;
  /**
   * Sends a request to `url` under the policy and returns the final answer. A redirect to the same
   * origin is followed with the same method, headers and body; one to another origin throws
   * `EgressRefusedError`, since headers carry credentials meant for the configured origin only. A
   * redirect without a usable `Location` is returned as the answer. A refused address throws
   * `EgressRefusedError` before any byte of the request is sent.
   */
  fetch(url: string | URL, request?: EgressRequest): Promise<Response>;
  /**
   * Ends every connection, requests still in flight included: a service closes it once its workers
   * stopped or gave up on what they were doing, so nothing may hold the shutdown past its deadline.
   */
  close(): Promise<void>;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/**
 * The checks sit in the connection itself: names are resolved by a lookup that drops refused
 * addresses (so a refused one is never connected to), and once connected the socket's remote
 * address is judged again, so whatever path led to the socket, the address it reached decides.
 */
export function createEgress(policy: EgressPolicy, options: EgressOptions = {}): Egress {
  const resolve = options.resolve ?? systemResolve;
  const lookup = policyLookup(policy, resolve);
  const base = buildConnector({ lookup });
  const connect: buildConnector.connector = function egressConnect(connectOptions, callback) {
    const host = connectOptions.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0) {
      const verdict = egressVerdict(policy, host, host);
      if (!verdict.allowed) {
        callback(new EgressRefusedError(verdict.reason, verdict.message), null);
        return;
      }
    }
    base(connectOptions, (error, socket) => {
      if (error !== null) {
        callback(error, null);
        return;
      }
      const remote = socket.remoteAddress;
      const verdict =
        remote === undefined
          ? ({ allowed: false, reason: 'not-unicast', message: `${host}: no remote address` } as const)
          : egressVerdict(policy, host, remote);
      if (!verdict.allowed) {
        socket.destroy();
        callback(new EgressRefusedError(verdict.reason, verdict.message), null);
        return;
      }
      callback(null, socket);
    });
  };
  const dispatcher = new Agent({ connect });

  return {
    policy,
    async fetch(url, request = {}) {
      const maxRedirects = request.maxRedirects ?? 3;
      let current = new URL(url);
      for (let redirects = 0; ; redirects++) {
        const init: RequestInit = {
          method: request.method ?? 'GET',
          redirect: 'manual',
          dispatcher,
          ...(request.headers === undefined ? {} : { headers: request.headers }),
          ...(request.body === undefined ? {} : { body: request.body }),
          ...(request.signal === undefined ? {} : { signal: request.signal }),
        };
        let response: Response;
        try {
          response = await undiciFetch(current, init);
        } catch (error) {
          const cause = (error as { cause?: unknown }).cause;
          if (cause instanceof EgressRefusedError) throw cause;
          throw error;
        }
        if (!redirectStatuses.has(response.status)) return response;
        const next = nextUrl(response.headers.get('location'), current);
        if (next === undefined) return response;
        await response.body?.cancel().catch(() => undefined);
        if (next.origin !== current.origin) {
          throw new EgressRefusedError(
            'cross-origin-redirect',
            `${current.origin} redirected to another origin (${next.origin}); not followed, so that credentials stay with the configured origin: point the URL at the final address`,
          );
        }
        if (redirects >= maxRedirects) {
          throw new EgressRefusedError(
            'too-many-redirects',
            `more than ${maxRedirects} redirects within ${current.origin}`,
          );
        }
        current = next;
      }
    },
    close: () => dispatcher.destroy(),
  };
}

function nextUrl(location: string | null, base: URL): URL | undefined {
  if (location === null) return undefined;
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}

/**
 * A `net` lookup that keeps only the addresses the policy allows; when none is left it fails with
 * the refusal of the first, so the caller learns why rather than "not found".
 */
function policyLookup(policy: EgressPolicy, resolve: Resolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const candidates =
          family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
        const judged = candidates.map((a) => ({
          address: a,
          verdict: egressVerdict(policy, hostname, a.address),
        }));
        const allowed = judged.filter((j) => j.verdict.allowed).map((j) => j.address);
        const first = allowed[0];
        if (first === undefined) {
          const refused = judged.find((j) => !j.verdict.allowed)?.verdict;
          const error =
            refused !== undefined && !refused.allowed
              ? new EgressRefusedError(refused.reason, refused.message)
              : Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
          callback(error as NodeJS.ErrnoException, '', 0);
          return;
        }
        if (options.all === true) callback(null, allowed);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}
