import {
  type AllowedText,
  boundKindsOf,
  boundOf,
  describeAllowed,
  parseAllowed,
  parseLimit,
} from '@rollout-guard/shared/display';
import type { CheckView } from './api-types.ts';

/** Numbers and times as the page shows them. */

export function number(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-4) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

/** A fraction as a signed percentage: 0.052 → "+5.2%". */
export function percent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  const p = Number((fraction * 100).toPrecision(3));
  return `${p > 0 ? '+' : ''}${p}%`;
}

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours}h ${m % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

export const time = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '—' : new Date(ms).toLocaleString();
export const clock = (ms: number): string => new Date(ms).toLocaleTimeString();
export const ago = (ms: number, now = Date.now()): string => `${duration(now - ms)} ago`;

type CheckShape = Pick<CheckView, 'compare' | 'allowed'>;

/**
 * Whether a check's value is a relative difference (shown in %): a baseline/control check whose every
 * bound is a percentage. A bare number bounds the absolute difference, as the evaluator judges it.
 */
export function isRelativeCheck(check: CheckShape): boolean {
  if (check.compare === 'absolute') return false;
  const kinds = boundKindsOf(check.allowed);
  return kinds.length > 0 && kinds.every((kind) => kind === 'relative');
}

/** A value in the units of the check's limit. */
export function formatValue(check: CheckShape, value: number | null | undefined): string {
  return isRelativeCheck(check) ? percent(value) : number(value);
}

/** `max 0.03`, `min -1%, max +5%`; `any` for no bound. */
export function allowedText(allowed: AllowedText): string {
  return describeAllowed(parseAllowed(allowed)) || 'any';
}

/** A bound in the units a chart plots it in (fractions for percentages). */
export function boundValue(bound: number | string | undefined): number | null {
  if (bound === undefined || (typeof bound === 'string' && !bound.endsWith('%'))) return null;
  const value = boundOf(parseLimit(bound)).value;
  return Number.isFinite(value) ? value : null;
}

export function checkValue(check: Pick<CheckView, 'compare' | 'allowed' | 'value' | 'interval'>): string {
  const interval = check.interval
    ? ` [${formatValue(check, check.interval[0])}, ${formatValue(check, check.interval[1])}]`
    : '';
  return `${formatValue(check, check.value)}${interval}`;
}
