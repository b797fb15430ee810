import { type AuditLogEntry, type AuditQuery, isAuditCursor } from '@rollout-guard/shared/store';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import type { AuditEntryView } from './api-schemas.ts';

/** The query both audit routes take, for the OpenAPI document; `auditQuery` reads it. */
export const AuditQueryParams = z.object({
  cursor: z.string().optional().meta({ description: 'The `next` of the previous page' }),
  order: z
    .enum(['desc', 'asc'])
    .optional()
    .meta({ description: '`desc` (default): newest first; `asc`: oldest first, to follow new entries' }),
  limit: z
    .string()
    .regex(/^\d+$/)
    .optional()
    .meta({ description: 'At most this many (1 to 1000, default 100)' }),
  kind: z
    .string()
    .optional()
    .meta({ description: 'Only these kinds, comma-separated', example: 'transition,refused' }),
  actor: z.string().optional().meta({ description: 'Only entries by this actor', example: 'system' }),
});

/** The audit routes' query as the store takes it, or a 400 that names the parameter. */
export function auditQuery(query: Record<string, string | undefined>): Omit<AuditQuery, 'rollout'> {
  const { cursor, order = 'desc', limit = '100', kind, actor } = query;
  if (cursor !== undefined && !isAuditCursor(cursor)) {
    throw new AppError({
      code: 'BAD_REQUEST',
      message: `cursor="${cursor}" is not a cursor; pass the \`next\` of a previous page (like 1764990000123-0)`,
    });
  }
  if (order !== 'asc' && order !== 'desc') {
    throw new AppError({ code: 'BAD_REQUEST', message: `order="${order}": expected asc or desc` });
  }
  const count = Number(limit);
  if (!/^\d+$/.test(limit) || count < 1 || count > 1000) {
    throw new AppError({
      code: 'BAD_REQUEST',
      message: `limit="${limit}": expected a whole number from 1 to 1000`,
    });
  }
  const kinds = (kind ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  return {
    order,
    limit: count,
    ...(cursor === undefined ? {} : { cursor }),
    ...(kinds.length === 0 ? {} : { kinds }),
    ...(actor === undefined || actor === '' ? {} : { actor }),
  };
}

/** An entry as the API shows it: the stored entry with its time, what arrived and the reason given. */
export function auditEntryView(entry: AuditLogEntry): AuditEntryView {
  const event = entry.event as { type: string; reason?: unknown };
  return {
    id: entry.id,
    rollout: entry.rollout,
    at: entry.at,
    time: new Date(entry.at).toISOString(),
    kind: entry.kind,
    action: event.type,
    actor: entry.actor,
    reason: typeof event.reason === 'string' && event.reason !== '' ? event.reason : null,
    summary: entry.summary,
    specVersion: entry.specVersion,
    rev: entry.rev,
    from: entry.from,
    to: entry.to,
    decisions: [...entry.decisions],
    deliveries: [...(entry.deliveries ?? [])],
    event: entry.event as unknown as Record<string, unknown>,
  };
}
