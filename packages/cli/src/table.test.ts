import { describe, expect, it } from 'vitest';
import { renderTable } from './table.ts';

describe('renderTable', () => {
  it('pads columns to the widest cell, ignoring colour codes', () => {
    expect(
      renderTable(
        ['A', 'LONG HEADER', 'C'],
        [
          ['xx', '\u001b[31mred\u001b[39m', 'last'],
          ['y', 'z', ''],
        ],
      ),
    ).toBe(['A   LONG HEADER  C', 'xx  \u001b[31mred\u001b[39m          last', 'y   z'].join('\n'));
  });
});
