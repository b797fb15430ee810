import type { MiddlewareHandler } from 'hono';
import { rateLimit } from '../auth/rate-limit.ts';
import { requireScope } from '../auth/require-scope.ts';
import type { Scope } from '../auth/scopes.ts';
import type { ApiDeps } from './api-deps.ts';

/** Authentication with `scope`, then the caller's rate limit: the two middlewares every API route runs. */
export function guard(
  deps: Pick<ApiDeps, 'tokens' | 'limiter'>,
  scope: Scope,
): [MiddlewareHandler, MiddlewareHandler] {
  return [requireScope(deps.tokens, scope), rateLimit(deps.limiter)];
}
