import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors.ts';
import { SCOPES, type Scope } from './scopes.ts';
import type { Principal, TokenStore } from './token-store.ts';

/** With no tokens configured the collector only listens on loopback, and whoever reaches it may do anything. */
export const OPEN_PRINCIPAL: Principal = { name: 'anonymous', scopes: SCOPES };

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The principal of a request from its Authorization header; throws 401 when missing or unknown. */
export function authenticate(tokens: TokenStore, header: string | undefined): Principal {
  if (tokens.size === 0) return OPEN_PRINCIPAL;
  const match = BEARER.exec(header ?? '');
  if (match === null) {
    throw new AppError({
      code: 'UNAUTHORIZED',
      message:
        'This endpoint needs "Authorization: Bearer <token>"; tokens are configured with ROLLOUT_GUARD_TOKENS or TOKENS_FILE',
    });
  }
  const principal = tokens.verify(match[1]!);
  if (principal === null) {
    throw new AppError({ code: 'UNAUTHORIZED', message: 'The bearer token is not known to this collector' });
  }
  return principal;
}

/**
 * Lets the request through when its token carries `scope` (401 without a known token, 403 without the
 * scope), and records the principal for the route: its name is the actor of operator actions.
 */
export function requireScope(tokens: TokenStore, scope: Scope): MiddlewareHandler {
  return async function scopeGuard(c, next) {
    const principal = authenticate(tokens, c.req.header('authorization'));
    if (!principal.scopes.includes(scope)) {
      throw new AppError({
        code: 'FORBIDDEN',
        message: `Token "${principal.name}" has the scopes ${principal.scopes.join(', ') || 'none'}; ${c.req.method} ${c.req.path} needs ${scope}`,
      });
    }
    c.set('principal', principal);
    await next();
  };
}

/** Lets the request through with any known token (401 otherwise) and records its principal for the route. */
export function requireToken(tokens: TokenStore): MiddlewareHandler {
  return async function tokenGuard(c, next) {
    c.set('principal', authenticate(tokens, c.req.header('authorization')));
    await next();
  };
}
