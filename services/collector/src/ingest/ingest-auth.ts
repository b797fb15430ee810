import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors.ts';

export type Scope = 'ingest' | 'read' | 'operate' | 'admin';

/**
 * Resolves a bearer token to its scopes, or null when the token is unknown. The token store lands
 * with the API; until it is configured the ingest routes take `undefined` and let every sender in
 * (the collector then listens on loopback only, PRODUCT.md §2).
 */
export type VerifyToken = (token: string) => Promise<readonly Scope[] | null> | readonly Scope[] | null;

/** Requires a bearer token with the `ingest` scope when a verifier is configured. */
export function requireIngestScope(verifyToken: VerifyToken | undefined): MiddlewareHandler {
  return async function ingestAuth(c, next) {
    if (verifyToken === undefined) return next();
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) {
      throw new AppError({
        code: 'UNAUTHORIZED',
        message: 'Ingest needs "Authorization: Bearer <token>" with a token that has the ingest scope',
      });
    }
    const scopes = await verifyToken(match[1]!);
    if (scopes === null) {
      throw new AppError({
        code: 'UNAUTHORIZED',
        message: 'The bearer token is not known to this collector',
      });
    }
    if (!scopes.includes('ingest')) {
      throw new AppError({
        code: 'FORBIDDEN',
        message: `The token's scopes (${scopes.join(', ') || 'none'}) do not include ingest, which this endpoint needs`,
      });
    }
    return next();
  };
}
