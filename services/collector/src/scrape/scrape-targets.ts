import { createHash } from 'node:crypto';
import type { ScrapeTarget } from '@rollout-guard/shared/spec';
import type { ActiveRollout } from '@rollout-guard/shared/store';

/** A target the collector scrapes, however many rollouts (or the global file) list it. */
export interface PlannedTarget {
  /** Digest of what makes two entries the same scrape (URL, format, headers): the lease's name. */
  readonly key: string;
  /** The URL without credentials: the `target` label of the scrape metrics and logs. */
  readonly label: string;
  readonly target: ScrapeTarget;
  /** Who listed it: rollout names, and `config` for the SCRAPE_CONFIG file. */
  readonly sources: readonly string[];
}

/** The source name of targets from the collector's SCRAPE_CONFIG file. */
export const CONFIG_SOURCE = 'config';

/** The identity of a scrape: a second listing of it must not scrape (and count) it twice. */
export function targetKey(target: ScrapeTarget): string {
  const headers = Object.entries(target.headers).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha1')
    .update(JSON.stringify([target.url, target.format, headers]))
    .digest('hex')
    .slice(0, 24);
}

/** `http://user:secret@host/metrics` → `http://host/metrics`: credentials stay out of labels and logs. */
export function targetLabel(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * Every target to scrape now: the global file's and those of the active rollouts, one entry per
 * distinct scrape. Listed twice with different intervals, it is scraped at the shorter one.
 */
export function planTargets(
  rollouts: readonly Pick<ActiveRollout, 'name' | 'scrape'>[],
  configured: readonly ScrapeTarget[],
): Map<string, PlannedTarget> {
  const plan = new Map<string, PlannedTarget>();
  const add = (target: ScrapeTarget, source: string) => {
    const key = targetKey(target);
    const known = plan.get(key);
    if (known === undefined) {
      plan.set(key, { key, label: targetLabel(target.url), target, sources: [source] });
      return;
    }
    const sources = known.sources.includes(source) ? known.sources : [...known.sources, source];
    const faster = target.interval.ms < known.target.interval.ms ? target : known.target;
    plan.set(key, { ...known, target: faster, sources });
  };
  for (const target of configured) add(target, CONFIG_SOURCE);
  for (const rollout of rollouts) for (const target of rollout.scrape ?? []) add(target, rollout.name);
  return plan;
}
