import type { Check } from '@rollout-guard/shared/spec';
import type { RolloutState } from './state.ts';

export type ReferenceChoice =
  | { readonly kind: 'baseline' }
  /** The control cohort over the check's own window. */
  | { readonly kind: 'control' }
  /** The control cohort over the previous wave's span, `[from, to)` in epoch ms. */
  | { readonly kind: 'previous-wave-control'; readonly from: number; readonly to: number };

/**
 * Which data a `baseline`/`control` check compares the treatment with (PRODUCT.md §1 "Comparisons"). A 100%
 * wave has no control cohort unless the flag keeps a holdback; there a `control` check uses the baseline, or
 * without one the control cohort's data from the previous wave. Null for absolute checks, and when no
 * reference exists at all (a single 100% wave without baseline or holdback) — the check then has no data.
 */
export function referenceFor(
  check: Pick<Check, 'compare'>,
  state: Pick<RolloutState, 'spec' | 'wave' | 'history'>,
  controlHasData: boolean,
): ReferenceChoice | null {
  if (check.compare === 'absolute') return null;
  if (check.compare === 'baseline') return { kind: 'baseline' };
  const percent = state.spec.spec.waves[state.wave - 1]?.percent;
  if (percent === undefined || percent < 100 || controlHasData) return { kind: 'control' };
  if (state.spec.spec.baseline !== undefined) return { kind: 'baseline' };
  const previous = state.history.find((w) => w.index === state.wave - 1);
  if (previous === undefined || previous.endedAt === null) return null;
  return { kind: 'previous-wave-control', from: previous.startedAt, to: previous.endedAt };
}
