import { z } from 'zod';

/** A parsed duration: milliseconds for arithmetic, the text as written for evidence and messages. */
export interface Duration {
  readonly ms: number;
  readonly text: string;
}

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

// Integers only: "1.5h" reads ambiguously to many users ("1h50m"?), "90m" does not.
export const DURATION_PATTERN = /^(\d+)(ms|s|m|h|d)$/;

export const DURATION_HINT = 'expected a duration like "500ms", "30s", "5m", "1h" or "7d"';

/** Parses `500ms`, `30s`, `5m`, `1h`, `7d`; returns undefined for anything else. */
export function parseDuration(text: string): Duration | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2] as Unit;
  return { ms: amount * UNIT_MS[unit], text };
}

/** Writes milliseconds in the largest unit that divides them exactly (`302400000` → `84h`). */
export function formatDuration(ms: number): string {
  const units: readonly Unit[] = ['d', 'h', 'm', 's'];
  for (const unit of units) {
    if (ms > 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${Math.round(ms)}ms`;
}

/** A duration built from milliseconds, e.g. a default derived from another duration. */
export function durationOf(ms: number): Duration {
  return { ms, text: formatDuration(ms) };
}

/** The duration as written in a spec: validated here, parsed when the spec is resolved. */
export const durationText = z
  .string({ error: DURATION_HINT })
  .regex(DURATION_PATTERN, { error: DURATION_HINT })
  .meta({ description: 'A duration: an integer and a unit, ms | s | m | h | d (e.g. "500ms", "5m", "7d").' });

/** A duration that must be longer than zero (bakes, intervals, windows). */
// A text that is not a duration at all already has its problem; this one is about zero only.
export const positiveDurationText = durationText.refine((text) => (parseDuration(text)?.ms ?? 1) > 0, {
  error: 'expected a duration longer than zero, like "30s" or "1h"',
});
