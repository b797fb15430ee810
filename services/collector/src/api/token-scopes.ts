import { z } from 'zod';
import type { App } from '../app.ts';
import { rateLimit } from '../auth/rate-limit.ts';
import { requireToken } from '../auth/require-scope.ts';
import { Scope } from '../auth/scopes.ts';
import type { ApiDeps } from './api-deps.ts';
import { errorResponses } from './api-schemas.ts';

export const TokenScopes = z
  .object({
    name: z
      .string()
      .meta({ description: "The token's name: the actor the audit log records for its actions" }),
    scopes: z.array(Scope).meta({
      description:
        'What it may do: read (GETs), operate (actions, approvals, redelivery), admin (specs), ingest (metrics)',
    }),
    open: z.boolean().meta({
      description:
        'No tokens are configured: the collector serves loopback only and every caller may do anything',
    }),
  })
  .meta({ id: 'TokenScopes' });
export type TokenScopes = z.infer<typeof TokenScopes>;

/**
 * `GET /api/v1/token`: who the caller's token is and which scopes it has, so a client (the dashboard)
 * can offer only what the token may do and say why the rest is disabled. Any known token may ask.
 */
export function registerTokenScopes(app: App, deps: ApiDeps): void {
  deps.openapi.registerPath({
    method: 'get',
    path: '/api/v1/token',
    summary: "The caller's token: its name and scopes",
    description: 'Needs a known token (any scope). With no tokens configured: `anonymous` with every scope.',
    tags: ['auth'],
    responses: {
      200: { description: 'The token', content: { 'application/json': { schema: TokenScopes } } },
      ...errorResponses(),
    },
  });

  app.get('/api/v1/token', requireToken(deps.tokens), rateLimit(deps.limiter), function tokenScopes(c) {
    const principal = c.get('principal');
    return c.json({
      name: principal?.name ?? 'anonymous',
      scopes: [...(principal?.scopes ?? [])],
      open: deps.tokens.size === 0,
    } satisfies TokenScopes);
  });
}
