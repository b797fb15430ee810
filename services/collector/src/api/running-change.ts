import type { RolloutSpec } from '@rollout-guard/shared/spec';
import { formatPath } from '@rollout-guard/shared/spec';
import { type Change, jsonChanges, type PathSegment } from './json-diff.ts';

const CHECK_FIELDS = new Set([
  'allowed',
  'allowedByWave',
  'consecutive',
  'onBreach',
  'noData',
  'minSamples',
  'confidence',
  'mode',
]);
const WAVE_FIELDS = new Set(['bake', 'extend', 'maxBake', 'minSamples']);

/**
 * Whether a change may be made to a rollout that is running. Thresholds (limits, consecutive, confidence,
 * minimum samples), shadow or enforcing mode, actions, bakes, approval and scrape targets may change: the data collected so far still means what it
 * meant. Waves (their number and percents), cohorts, metrics, aggregates, windows, comparisons, the flag and
 * the set of checks may not: the data already judged would no longer fit the question.
 */
export function isAllowedWhileRunning(segments: readonly PathSegment[]): boolean {
  const [root, section, index, field] = segments;
  if (root === 'metadata') return segments[1] === 'labels';
  if (root !== 'spec') return false;
  if (section === 'approval' || section === 'actions' || section === 'confidence') return true;
  // Shadow to enforcing (or back) is how a rollout tried in shadow starts to act: it keeps its history.
  if (section === 'mode') return true;
  // Scrape targets say where data comes from, not what is asked of it: a moved endpoint or a rotated
  // credential must not need a new rollout.
  if (section === 'scrape') return true;
  if (section === 'waves') return typeof index === 'number' && WAVE_FIELDS.has(String(field));
  if (section === 'guardrails' || section === 'successCriteria') {
    return typeof index === 'number' && CHECK_FIELDS.has(String(field));
  }
  return false;
}

export interface RunningChange {
  /** Every changed field, in the spec's own path words (`spec.waves[1].bake`). */
  readonly changed: string[];
  /** The changed fields a running rollout cannot take, each with why. */
  readonly refused: Array<{ path: string; reason: string }>;
}

function fieldPath(change: Change): string {
  const depth = change.segments[0] === 'spec' && typeof change.segments[2] === 'number' ? 4 : 2;
  return formatPath(change.segments.slice(0, depth));
}

function why(path: string): string {
  if (path.startsWith('spec.waves'))
    return 'the waves of a running rollout are fixed (only bake, extend, maxBake and minSamples may change)';
  if (path.startsWith('spec.cohorts'))
    return 'the cohorts decide which data was collected; they cannot change while it runs';
  if (path.startsWith('spec.guardrails') || path.startsWith('spec.successCriteria')) {
    return 'a running rollout may change a check’s thresholds (allowed, allowedByWave, consecutive, confidence, minSamples, noData, onBreach, mode), not its metric, aggregate, window, comparison or the set of checks';
  }
  return 'this field cannot change while the rollout runs';
}

/** The changes from the spec a rollout runs by to a new one, and which of them a running rollout refuses. */
export function runningChange(running: RolloutSpec, next: RolloutSpec): RunningChange {
  const changes = jsonChanges(running, next);
  const changed = [...new Set(changes.map(fieldPath))];
  const refusedPaths = [...new Set(changes.filter((c) => !isAllowedWhileRunning(c.segments)).map(fieldPath))];
  return { changed, refused: refusedPaths.map((path) => ({ path, reason: why(path) })) };
}
