import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePromText } from './prom-text.ts';

/** Escapes a label value the way the text formats write it. */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

const labelName = fc
  .stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/)
  .filter((n) => n !== '__name__' && n !== 'le' && n !== 'quantile');
const labels = fc.dictionary(labelName, fc.string({ minLength: 1, maxLength: 20 }), { maxKeys: 5 });

describe('text format round trip', () => {
  it.each(['prometheus', 'openmetrics'] as const)('%s: any label values survive escaping', (format) => {
    fc.assert(
      fc.property(labels, fc.double({ noNaN: true, noDefaultInfinity: true }), (set, value) => {
        const body = `m{${Object.entries(set)
          .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
          .join(',')}} ${Object.is(value, -0) ? '-0' : value}\n${format === 'openmetrics' ? '# EOF\n' : ''}`;
        const [point] = parsePromText(body, { format, defaultTimeMs: 1 }).points;
        expect(point?.attributes).toEqual(set);
        expect(point?.value).toEqual({ kind: 'gauge', value });
      }),
    );
  });
});
