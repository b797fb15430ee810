import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors.ts';
import { isLoopback } from './bind-policy.ts';

export interface OpenModeRequest {
  readonly method: string;
  readonly host: string | undefined;
  readonly origin: string | undefined;
  readonly secFetchSite: string | undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `localhost:4318`, `127.0.0.1`, `[::1]:4318` → the name without its port. */
function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.replace(/:\d*$/, '');
}

function isLoopbackName(name: string): boolean {
  return isLoopback(name) || name === 'localhost' || name.endsWith('.localhost');
}

/**
 * Why a request must be refused while the collector runs without tokens (anyone who reaches it may
 * do anything), or undefined. Two ways a web page could otherwise act through a browser on this
 * machine: DNS rebinding (a page's own name resolved to 127.0.0.1, so its Host is not a loopback
 * name: refused when `loopbackHostOnly`) and a cross-site form or fetch that changes state (its
 * browser says so in Sec-Fetch-Site, or sends an Origin that is not this host). Exporters and the CLI
 * send neither header.
 */
export function openModeRefusal(request: OpenModeRequest, loopbackHostOnly: boolean): string | undefined {
  const host = request.host ?? '';
  if (loopbackHostOnly && !isLoopbackName(hostName(host).toLowerCase())) {
    return `Host "${host}" is not a loopback name; with no API tokens configured the collector answers only requests addressed to localhost, 127.0.0.1 or [::1] (a guard against DNS rebinding). Use one of those, or configure ROLLOUT_GUARD_TOKENS`;
  }
  if (SAFE_METHODS.has(request.method.toUpperCase())) return undefined;
  const site = request.secFetchSite?.toLowerCase();
  if (site === 'cross-site' || site === 'same-site') {
    return `A ${request.method} sent by a web page of another site (Sec-Fetch-Site: ${site}) is refused: with no API tokens configured any page open in a browser here could otherwise change rollouts. Use the dashboard on this host, the CLI or curl, or configure ROLLOUT_GUARD_TOKENS`;
  }
  if (request.origin !== undefined && request.origin !== 'null') {
    let originHost: string;
    try {
      originHost = new URL(request.origin).host;
    } catch {
      originHost = request.origin;
    }
    if (originHost.toLowerCase() !== host.toLowerCase()) {
      return `A ${request.method} from the page at ${request.origin} is refused: it is not this collector (${host}), and with no API tokens configured any page open in a browser here could otherwise change rollouts. Use the dashboard on this host, the CLI or curl, or configure ROLLOUT_GUARD_TOKENS`;
    }
  } else if (request.origin === 'null') {
    return `A ${request.method} from an opaque origin (Origin: null, a sandboxed page or a file) is refused while no API tokens are configured`;
  }
  return undefined;
}

/** The middleware of open mode: 403 with the reason for what `openModeRefusal` refuses. */
export function openModeGuard(options: { readonly loopbackHostOnly: boolean }): MiddlewareHandler {
  return async function openMode(c, next) {
    const refusal = openModeRefusal(
      {
        method: c.req.method,
        host: c.req.header('host'),
        origin: c.req.header('origin'),
        secFetchSite: c.req.header('sec-fetch-site'),
      },
      options.loopbackHostOnly,
    );
    if (refusal !== undefined) throw new AppError({ code: 'FORBIDDEN', message: refusal });
    await next();
  };
}
