import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coveredStretches } from './literal-scan.ts';

/** The positions some occurrence of some needle covers, found the slow, obvious way. */
function coveredByIndexOf(text: string, needles: readonly string[]): Set<number> {
  const covered = new Set<number>();
  for (const needle of needles) {
    if (needle === '') continue;
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
      for (let i = at; i < at + needle.length; i++) covered.add(i);
    }
  }
  return covered;
}

function positions(stretches: ReturnType<typeof coveredStretches>): Set<number> {
  const covered = new Set<number>();
  for (const { start, end } of stretches) for (let i = start; i < end; i++) covered.add(i);
  return covered;
}

describe('coveredStretches', () => {
  it('covers exactly what every occurrence of every needle covers (against indexOf, generated)', () => {
    // A small alphabet, so needles overlap, nest and repeat often.
    const small = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '€', '😀'), maxLength: 60 });
    const needle = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '€', '😀'), maxLength: 6 });
    fc.assert(
      fc.property(small, fc.array(needle, { maxLength: 8 }), (text, needles) => {
        const stretches = coveredStretches(text, needles);
        expect(positions(stretches)).toEqual(coveredByIndexOf(text, needles));
        for (const [i, stretch] of stretches.entries()) {
          // In order, apart, and each named by a needle that occurs inside it.
          expect(stretch.start).toBeLessThan(stretch.end);
          if (i > 0) expect(stretches[i - 1]!.end).toBeLessThanOrEqual(stretch.start);
          expect(text.slice(stretch.start, stretch.end)).toContain(needles[stretch.needle]);
        }
      }),
      { numRuns: 2_000, seed: 16 },
    );
  });

  it('joins overlapping and nested occurrences into one stretch named by the longest', () => {
    const needles = ['ab', 'bcdef', 'cd', 'xyz'];
    expect(coveredStretches('..abcdef..cd..xyzxyz', needles)).toEqual([
      { start: 2, end: 8, needle: 1 },
      { start: 10, end: 12, needle: 2 },
      { start: 14, end: 17, needle: 3 },
      { start: 17, end: 20, needle: 3 },
    ]);
    expect(coveredStretches('nothing here', needles)).toEqual([]);
    expect(coveredStretches('abc', ['', 'zz'])).toEqual([]);
  });

  it('finds a needle after a long false start (the fail links)', () => {
    expect(coveredStretches('aaaaaaab', ['aaab', 'aaaaaaaac'])).toEqual([{ start: 4, end: 8, needle: 0 }]);
  });
});
