import type { CheckView } from './api-types.ts';
import type { Colors } from './colors.ts';

export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (!Number.isFinite(value)) return value > 0 ? '+∞' : '−∞';
  return Math.abs(value) >= 1000 || Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

export function formatInterval(pair: readonly [number | null, number | null] | null | undefined): string {
  return pair === null || pair === undefined ? '—' : `[${formatNumber(pair[0])}, ${formatNumber(pair[1])}]`;
}

export function formatAllowed(allowed: { min?: number | string; max?: number | string }): string {
  return [
    allowed.min === undefined ? '' : `min ${allowed.min}`,
    allowed.max === undefined ? '' : `max ${allowed.max}`,
  ]
    .filter((s) => s !== '')
    .join(', ');
}

type Oncall = { owner?: string | null; runbook?: string | null };

/** `owner a, runbook b`: the parts the spec declared; null when it declared neither. */
export function formatOncall(oncall: Oncall): string | null {
  const parts = [
    oncall.owner == null ? '' : `owner ${oncall.owner}`,
    oncall.runbook == null ? '' : `runbook ${oncall.runbook}`,
  ].filter((s) => s !== '');
  return parts.length === 0 ? null : parts.join(', ');
}

/**
 * A check's owner and runbook where they differ from the rollout's; null where it inherits them (they are
 * shown once, for the rollout) or has none.
 */
export function checkOncall(rollout: Oncall, check: Oncall): string | null {
  const inherited =
    (check.owner ?? null) === (rollout.owner ?? null) &&
    (check.runbook ?? null) === (rollout.runbook ?? null);
  return inherited ? null : formatOncall(check);
}

export function formatTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/:\d\d\.\d+Z$/, ' UTC');
}

/** `6d 23h`, `14m 5s`, `3s`: the two largest units. */
export function formatSpan(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const parts: Array<[number, string]> = [
    [Math.floor(seconds / 86400), 'd'],
    [Math.floor((seconds % 86400) / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'm'],
    [seconds % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first < 0) return '0s';
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join(' ');
}

const BAD = new Set(['breached', 'fail', 'rolled-back', 'aborted', 'gave-up', 'stopped']);
const GOOD = new Set(['ok', 'pass', 'completed', 'delivered', 'go']);

/** A state word in red, green or yellow (only when colours are on). */
export function paintState(state: string, colors: Colors): string {
  if (BAD.has(state) || state === 'no-go') return colors.red(state);
  if (GOOD.has(state)) return colors.green(state);
  if (state === 'not-evaluated' || state === 'no-data') return colors.dim(state);
  return colors.yellow(state);
}

export function checkRow(check: CheckView, colors: Colors): string[] {
  return [
    check.name,
    check.role,
    paintState(check.state, colors) +
      (check.consecutive === undefined ? '' : ` (${check.consecutive.count}/${check.consecutive.required})`),
    // a value-judged check says so: its interval (if any) did not decide
    formatNumber(check.value) + (check.judgedBy === 'value' ? ' (judged by value)' : ''),
    formatInterval(check.interval),
    formatAllowed(check.allowed),
    `${check.samples.treatment}/${check.samples.reference}`,
    check.window,
  ];
}

export const CHECK_HEADER = ['CHECK', 'ROLE', 'STATE', 'VALUE', 'INTERVAL', 'LIMIT', 'SAMPLES T/R', 'WINDOW'];
