import type { AuditEntry } from './api-types.ts';
import type { Colors } from './colors.ts';

function position(at: { phase: string; wave: number }): string {
  return at.wave > 0 ? `${at.phase} ${at.wave}` : at.phase;
}

function change(entry: AuditEntry): string {
  if (entry.from === null || entry.to === null) return '';
  const from = position(entry.from);
  const to = position(entry.to);
  return from === to ? `(${to})` : `${from} → ${to}`;
}

/**
 * One audit entry on one line, the same in a listing and while following: when (UTC, to the second), which
 * rollout, who did what, the move it made, under which spec version, why, and what it caused.
 */
export function formatAuditLine(entry: AuditEntry, colors: Colors): string {
  const when = entry.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  const what =
    entry.kind === 'refused'
      ? colors.red(`${entry.action} refused: ${entry.summary}`)
      : entry.kind !== 'transition'
        ? `${entry.kind}: ${entry.summary}`
        : entry.actor === 'system'
          ? entry.summary // begins with what happened: `bake-elapsed: …`, `evaluation: …; decided rollback rollback`
          : entry.action;
  const parts = [
    colors.dim(when),
    colors.bold(entry.rollout),
    entry.actor,
    what,
    change(entry),
    `spec v${entry.specVersion}`,
    entry.reason === null ? '' : `why: ${JSON.stringify(entry.reason)}`,
    entry.decisions.length === 0 ? '' : `decisions ${entry.decisions.join(',')}`,
    entry.deliveries.length === 0 ? '' : `deliveries ${entry.deliveries.join(',')}`,
  ];
  return parts.filter((part) => part !== '').join('  ');
}
