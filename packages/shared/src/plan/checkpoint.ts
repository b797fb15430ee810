import type { Wave } from '../spec/index.ts';
import { minutesOf } from './check-planning.ts';

/** The checkpoint of the wave that first comes after `minutes`: the bake, an extension, or never. */
export function checkpointOf(wave: Wave, minutes: number): string {
  let at = minutesOf(wave.bake.ms);
  const max = minutesOf(wave.maxBake.ms);
  const extend = minutesOf(wave.extend.ms);
  if (minutes <= at) return 'bake';
  for (let n = 1; at < max && extend > 0; n++) {
    at = Math.min(at + extend, max);
    if (minutes <= at) return `extension ${n}`;
  }
  return 'never';
}

export function formatMinutes(minutes: number): string {
  if (minutes < 1) return `${Math.max(1, Math.round(minutes * 60))}s`;
  if (minutes < 120) return `${Math.round(minutes * 10) / 10}m`;
  if (minutes < 48 * 60) return `${Math.round((minutes / 60) * 10) / 10}h`;
  return `${Math.round((minutes / 1440) * 10) / 10}d`;
}
