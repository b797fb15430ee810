import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Shared by the spec's tests only: the examples as users will copy them, and a small valid spec
// that each invalid case breaks in exactly one place.

export const EXAMPLE_NAMES = ['contact-center-copilot', 'web-checkout', 'promql-source'] as const;

export function exampleText(name: (typeof EXAMPLE_NAMES)[number]): string {
  return readFileSync(fileURLToPath(new URL(`../../../../examples/${name}.yaml`, import.meta.url)), 'utf8');
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function minimalSpec(): { [key: string]: Json } {
  return {
    apiVersion: 'rollout-guard/v1',
    kind: 'Rollout',
    metadata: { name: 'checkout' },
    spec: {
      flag: 'new-checkout',
      baseline: { window: '1h' },
      waves: [
        { percent: 25, bake: '1h' },
        { percent: 50, bake: '1h' },
        { percent: 100, bake: '1h' },
      ],
      guardrails: [
        { name: 'latency', metric: 'http_duration_seconds', aggregate: 'p99', allowed: { max: 2 } },
      ],
      successCriteria: [
        {
          name: 'errors',
          metric: { ratio: { numerator: 'errors_total', denominator: 'requests_total' } },
          compare: 'control',
          allowed: { max: '+5%' },
        },
      ],
      actions: { rollback: [{ url: 'https://flags.internal/off', secret: 'env:ROLLBACK_SECRET' }] },
    },
  };
}
