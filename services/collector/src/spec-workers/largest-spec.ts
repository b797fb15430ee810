import type { SpecShapeLimits } from '@rollout-guard/shared/spec';
import { stringify } from 'yaml';

// For tests and benchmarks: a valid spec as large as the collector accepts, the costliest to parse.

const BASE = {
  apiVersion: 'rollout-guard/v1',
  kind: 'Rollout',
  metadata: { name: 'largest', labels: {} as Record<string, string> },
  spec: {
    flag: 'largest-flag',
    waves: [
      { percent: 50, bake: '1h' },
      { percent: 100, bake: '1h' },
    ],
    guardrails: [
      {
        name: 'errors',
        metric: { ratio: { numerator: 'errors_total', denominator: 'requests_total' } },
        allowed: { max: 0.05 },
      },
    ],
    actions: { rollback: [{ url: 'https://flags.internal/off', secret: 'env:ROLLBACK_SECRET' }] },
  },
};

/** Keys of maps and items of lists at every level, as SPEC_MAX_KEYS counts them. */
function keysOf(value: unknown): number {
  if (Array.isArray(value)) return value.length + value.reduce((sum: number, item) => sum + keysOf(item), 0);
  if (typeof value !== 'object' || value === null) return 0;
  return Object.values(value).reduce((sum: number, item) => sum + 1 + keysOf(item), 0);
}

/**
 * A valid spec in YAML with exactly `limits.maxKeys` keys and list items and just under `bytes` bytes:
 * labels fill what the rest leaves. (Nesting is measured before anything else reads the text, so a
 * deeper text costs no more to refuse; no valid spec is nested deeper than about 7 levels.)
 */
export function largestSpec(limits: SpecShapeLimits, bytes: number): string {
  const count = limits.maxKeys - keysOf(BASE);
  const withLabels = (valueLength: number) => {
    const spec = structuredClone(BASE);
    for (let i = 0; i < count; i++) spec.metadata.labels[`label-${i}`] = 'v'.repeat(valueLength);
    return stringify(spec, { lineWidth: 0 });
  };
  const valueLength = Math.floor((bytes - Buffer.byteLength(withLabels(0))) / count);
  return withLabels(Math.max(valueLength, 0));
}
