import { formatPath } from '@rollout-guard/shared/spec';

export type PathSegment = string | number;

export interface Change {
  /** Where, as the spec's problem paths write it: `spec.guardrails[1].allowed.max`. */
  readonly path: string;
  readonly segments: readonly PathSegment[];
  readonly kind: 'added' | 'removed' | 'changed';
  readonly before?: unknown;
  readonly after?: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every leaf that differs between two JSON values, in document order. Lists compare by position. */
export function jsonChanges(before: unknown, after: unknown, at: PathSegment[] = []): Change[] {
  const here = (kind: Change['kind']): Change[] => [
    {
      path: formatPath(at),
      segments: at,
      kind,
      ...(kind === 'added' ? {} : { before }),
      ...(kind === 'removed' ? {} : { after }),
    },
  ];
  if (before === undefined && after === undefined) return [];
  if (before === undefined) return here('added');
  if (after === undefined) return here('removed');
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, i) => jsonChanges(before[i], after[i], [...at, i])).flat();
  }
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key) => jsonChanges(before[key], after[key], [...at, key]));
  }
  return Object.is(before, after) || JSON.stringify(before) === JSON.stringify(after) ? [] : here('changed');
}
