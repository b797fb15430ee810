import type { z } from 'zod';

/** One thing wrong with a spec: where (a path like `spec.guardrails[1].allowed.max`) and what would be right. */
export interface Problem {
  readonly path: string;
  readonly message: string;
  /** 1-based, when the spec came from text and the place could be found in it. */
  readonly line?: number;
  readonly column?: number;
}

export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$|^\d+(\.\d+)?$/;

/** `['spec', 'guardrails', 1, 'allowed', 'max']` → `spec.guardrails[1].allowed.max`. */
export function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** A zod issue in the form the problem list needs; `path` is absolute. */
export interface SpecIssue {
  readonly path: PathSegment[];
  readonly message: string;
  /** The problem is about a key itself (an unknown field), not its value. */
  readonly atKey?: boolean;
}

type Issue = z.core.$ZodIssue;

function valueAt(root: unknown, path: readonly PathSegment[]): { found: boolean; value: unknown } {
  let node: unknown = root;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, segment))
      return { found: false, value: undefined };
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return { found: true, value: node };
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}

/** Levenshtein distance of `a` and `b`, or `limit` as soon as it is clear to be `limit` or more. */
function editDistance(a: string, b: string, limit: number, row: number[]): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  for (let j = 0; j <= b.length; j++) row[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    let smallest = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
      if (row[j]! < smallest) smallest = row[j]!;
    }
    if (smallest >= limit) return limit;
  }
  return row[b.length]!;
}

/** Suggests the field a mistyped key meant: the nearest known name within two edits. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const row: number[] = [];
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase(), bestDistance, row);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Unknown keys that get a "did you mean": a typo comes a few at a time, while a text of thousands of
 * unknown keys is not a spec with typos, and guessing for each would cost keys × field names.
 */
const GUESSES = 50;

// zod's own wording ("Invalid input") says neither what was wrong nor what would be right; every
// schema in this folder sets its own message, and these cover the generic cases that remain.
function genericMessage(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected === 'object' ? 'a map' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}`;
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'too_small':
      return issue.origin === 'string'
        ? 'expected a non-empty string'
        : `expected at least ${String(issue.minimum)}`;
    case 'too_big':
      return `expected at most ${String(issue.maximum)}`;
    default:
      return issue.message;
  }
}

function isZodDefault(issue: Issue): boolean {
  return /^(Invalid|Unrecognized|Too (small|big))/.test(issue.message);
}

/**
 * Turns zod issues into problems a user can act on: a union is reported through the branch the
 * input was evidently meant for, an unknown field is reported at the field (with the likely
 * intended name), and a missing field says that it is missing.
 */
export function issuesToSpecIssues(
  issues: readonly Issue[],
  input: unknown,
  knownFields: readonly string[],
  base: readonly PathSegment[] = [],
): SpecIssue[] {
  const out: SpecIssue[] = [];
  let guesses = 0;
  for (const issue of issues) {
    const path = [...base, ...(issue.path as PathSegment[])];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // A branch whose problems all lie inside the value matched its shape: that is the one meant.
      const meant = issue.errors
        .filter((branch) => branch.every((inner) => inner.path.length > 0))
        .sort((a, b) => a.length - b.length)[0];
      if (meant) {
        out.push(...issuesToSpecIssues(meant, input, knownFields, path));
        continue;
      }
    }
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        // Field names are short: a long key is no typo of one, and comparing it would cost its length squared.
        const guess = key.length <= 64 && guesses++ < GUESSES ? closest(key, knownFields) : undefined;
        out.push({
          path: [...path, key],
          message: guess ? `unknown field "${key}"; did you mean "${guess}"?` : `unknown field "${key}"`,
          atKey: true,
        });
      }
      continue;
    }
    const message = isZodDefault(issue) ? genericMessage(issue) : issue.message;
    const { found, value } = valueAt(input, path);
    if (issue.code === 'invalid_type' && !found) {
      out.push({ path, message: `missing; ${message}` });
    } else if (issue.code === 'invalid_type' && found) {
      out.push({ path, message: `${message}, not ${describeValue(value)}` });
    } else if (issue.code === 'custom' && issue.params?.atKey === true) {
      out.push({ path, message, atKey: true });
    } else {
      out.push({ path, message });
    }
  }
  return out;
}
