import { z } from 'zod';

/**
 * What a token may do. `ingest`: send metrics; `read`: read rollouts, decisions, series and deliveries;
 * `operate`: start, pause, resume, approve, abort, roll back, redeliver; `admin`: store and change specs.
 * Scopes do not imply each other: a token gets exactly the ones it is given.
 */
export const SCOPES = ['ingest', 'read', 'operate', 'admin'] as const;
export const Scope = z.enum(SCOPES);
export type Scope = z.infer<typeof Scope>;

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
