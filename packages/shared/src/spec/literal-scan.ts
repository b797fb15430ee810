/**
 * Where any of many literal strings occurs in a text, in one pass: an Aho–Corasick automaton over UTF-16
 * code units. Redacting a spec's secrets one by one costs the text's length once per secret, seconds for a
 * large spec with thousands of literal header values; this costs the text's length plus the secrets' total
 * length, whatever their number.
 */

/** A stretch `[start, end)` of the text covered by occurrences of the needles, and the longest one in it. */
export interface Covered {
  readonly start: number;
  readonly end: number;
  /** Index into `needles` of the longest occurrence inside the stretch. */
  readonly needle: number;
}

const ROOT = 0;

/**
 * Every stretch of `text` covered by an occurrence of some needle, in order; overlapping occurrences form
 * one stretch, so no part of any needle is left outside one. Empty needles are ignored.
 */
export function coveredStretches(text: string, needles: readonly string[]): Covered[] {
  const automaton = buildAutomaton(needles);
  const stretches: Array<{ start: number; end: number; needle: number }> = [];
  let state = ROOT;
  for (let i = 0; i < text.length; i++) {
    state = automaton.step(state, text.charCodeAt(i));
    // The longest needle ending here covers every shorter one that ends here too.
    const needle = automaton.longest[state]!;
    if (needle < 0) continue;
    const covered = { start: i + 1 - needles[needle]!.length, end: i + 1, needle };
    // Stretches end in order; a new one swallows those it overlaps (it may reach back past several).
    for (
      let last = stretches.at(-1);
      last !== undefined && covered.start < last.end;
      last = stretches.at(-1)
    ) {
      stretches.pop();
      if (last.start < covered.start) covered.start = last.start;
      if (needles[last.needle]!.length > needles[covered.needle]!.length) covered.needle = last.needle;
    }
    stretches.push(covered);
  }
  return stretches;
}

interface Automaton {
  /** The state after reading one more code unit. */
  step(state: number, code: number): number;
  /** Per state: the index of the longest needle that ends there (itself or through its fail links), or −1. */
  readonly longest: Int32Array;
}

function buildAutomaton(needles: readonly string[]): Automaton {
  // The trie: edges keyed by state × 65536 + code unit, one Map for all (a Map per state would cost far more).
  const edges = new Map<number, number>();
  const edge = (state: number, code: number) => edges.get(state * 65_536 + code);
  const children: number[][] = [[]];
  const ends: number[] = [-1];
  needles.forEach((needle, index) => {
    if (needle === '') return;
    let state = ROOT;
    for (let i = 0; i < needle.length; i++) {
      const code = needle.charCodeAt(i);
      let next = edge(state, code);
      if (next === undefined) {
        next = children.length;
        edges.set(state * 65_536 + code, next);
        children.push([]);
        ends.push(-1);
        children[state]!.push(code);
      }
      state = next;
    }
    const previous = ends[state]!;
    if (previous < 0) ends[state] = index;
  });

  // Fail links breadth first: a state's fail is the longest proper suffix of its path that is also a path.
  const fail = new Int32Array(children.length);
  const longest = new Int32Array(children.length).fill(-1);
  const queue: number[] = [];
  for (const code of children[ROOT]!) queue.push(edge(ROOT, code)!);
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head]!;
    longest[state] = ends[state]! >= 0 ? ends[state]! : longest[fail[state]!]!;
    for (const code of children[state]!) {
      const child = edge(state, code)!;
      let back = fail[state]!;
      while (back !== ROOT && edge(back, code) === undefined) back = fail[back]!;
      fail[child] = edge(back, code) ?? ROOT;
      queue.push(child);
    }
  }

  return {
    longest,
    step(state, code) {
      let at = state;
      for (;;) {
        const next = edge(at, code);
        if (next !== undefined) return next;
        if (at === ROOT) return ROOT;
        at = fail[at]!;
      }
    },
  };
}
