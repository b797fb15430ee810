import {
  Composer,
  type CST,
  type Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  Parser,
  parseDocument,
  YAMLParseError,
} from 'yaml';
import { type EnvAllowlist, envAllowed, envReferences, envRefusal } from './env-allowed.ts';
import { knownFieldNames } from './json-schema.ts';
import { formatPath, issuesToSpecIssues, type PathSegment, type Problem, type SpecIssue } from './problem.ts';
import type { RolloutSpec } from './resolved.ts';
import { rolloutSpecSchema } from './schema.ts';
import { DEFAULT_SPEC_SHAPE_LIMITS, type SpecShapeLimits, shapeViolation } from './spec-shape.ts';

export type SpecFormat = 'yaml' | 'json' | 'auto';

export type ParseResult =
  | { readonly ok: true; readonly spec: RolloutSpec }
  | { readonly ok: false; readonly problems: Problem[] };

let fieldNames: readonly string[] | undefined;

/** Validates a spec that is already data (a JSON request body): problems carry paths, no positions. */
export function validateSpec(data: unknown, options: Pick<ParseOptions, 'envAllowed'> = {}): ParseResult {
  return validate(data, options.envAllowed, () => undefined);
}

function validate(
  data: unknown,
  envAllowlist: EnvAllowlist | undefined,
  locate: (issue: SpecIssue) => Position | undefined,
): ParseResult {
  const result = rolloutSpecSchema.safeParse(data, { reportInput: true });
  let issues: SpecIssue[];
  if (result.success) {
    if (envAllowlist === undefined) return { ok: true, spec: result.data };
    issues = envReferences(result.data)
      .filter((reference) => !envAllowed(envAllowlist, reference.name))
      .map((reference) => ({ path: reference.path, message: envRefusal(reference.name) }));
    if (issues.length === 0) return { ok: true, spec: result.data };
  } else {
    fieldNames ??= knownFieldNames();
    issues = issuesToSpecIssues(result.error.issues, data, fieldNames);
  }
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const issue of issues) {
    const path = formatPath(issue.path);
    const key = `${path}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const position = locate(issue);
    problems.push({ path, message: issue.message, ...position });
  }
  return { ok: false, problems: sortByPosition(problems) };
}

function sortByPosition(problems: Problem[]): Problem[] {
  // Stable: problems without a position keep their order, after the located ones.
  return problems
    .map((problem, order) => ({ problem, order }))
    .sort((a, b) => {
      const lineA = a.problem.line ?? Number.POSITIVE_INFINITY;
      const lineB = b.problem.line ?? Number.POSITIVE_INFINITY;
      if (lineA !== lineB) return lineA - lineB;
      return (a.problem.column ?? 0) - (b.problem.column ?? 0) || a.order - b.order;
    })
    .map(({ problem }) => problem);
}

interface Position {
  readonly line: number;
  readonly column: number;
}

function detectFormat(text: string): 'yaml' | 'json' {
  const first = text.trimStart()[0];
  return first === '{' || first === '[' ? 'json' : 'yaml';
}

export interface ParseOptions {
  readonly format?: SpecFormat;
  /** Keys and nesting allowed (default DEFAULT_SPEC_SHAPE_LIMITS); the text's size is the caller's to bound. */
  readonly limits?: SpecShapeLimits;
  /** The variables `env:NAME` may read (SPEC_ENV_ALLOWED); others are problems. Unset: not checked. */
  readonly envAllowed?: EnvAllowlist;
}

/**
 * Parses a spec written in YAML or JSON. Syntax errors and schema problems alike come back as a
 * list of problems, each with its path and, when the text shows where, its line and column.
 * Time and memory are linear in the text: its shape is bounded before anything recursive reads it,
 * duplicate keys are found through one set per map, and problems are located through an index.
 */
export function parseSpec(text: string, options: ParseOptions = {}): ParseResult {
  const format =
    options.format === undefined || options.format === 'auto' ? detectFormat(text) : options.format;
  // The text is read once: its tokens are measured, then composed into the document.
  const lineCounter = new LineCounter();
  const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(text));
  const shape = shapeViolation(tokens, options.limits ?? DEFAULT_SPEC_SHAPE_LIMITS);
  if (shape !== undefined) {
    const { line, col } = lineCounter.linePos(shape.offset);
    return { ok: false, problems: [{ path: '', message: shape.message, line, column: col }] };
  }
  if (format === 'json') {
    try {
      JSON.parse(text);
    } catch (error) {
      return { ok: false, problems: [jsonSyntaxProblem(text, error)] };
    }
  }
  // JSON is YAML too, so one parser gives both formats the source ranges that locate problems.
  const document = firstDocument(tokens, text.length);
  const errors = [
    ...document.errors.map((error) => ({ offset: error.pos[0], code: error.code, message: error.message })),
    ...duplicateKeyErrors(document),
  ];
  if (errors.length > 0) {
    return {
      ok: false,
      problems: errors.map((error) => {
        const start = lineCounter.linePos(error.offset);
        const message =
          error.code === 'MULTIPLE_DOCS'
            ? 'expected one rollout per text, but "---" starts a second document here'
            : error.message.split(' at line ')[0];
        return {
          path: '',
          message: `YAML: ${message}`,
          line: start.line,
          column: start.col,
        };
      }),
    };
  }
  const data: unknown = document.toJS({ maxAliasCount: 100 });
  const index = new PairIndex();
  return validate(data, options.envAllowed, (issue) => {
    const offset = offsetOf(document.contents, issue.path, issue.atKey ?? false, index);
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  });
}

/**
 * The first document of the tokens, as yaml's `parseDocument` composes it (with an error where a
 * second one starts), without reading the text again.
 */
function firstDocument(tokens: readonly CST.Token[], length: number): Document.Parsed {
  // yaml's own uniqueKeys compares each key with every earlier one; duplicateKeyErrors uses a set.
  const composer = new Composer({ prettyErrors: false, uniqueKeys: false });
  let first: Document.Parsed | undefined;
  for (const document of composer.compose(tokens, true, length)) {
    if (first === undefined) {
      first = document;
    } else {
      first.errors.push(
        new YAMLParseError([document.range[0], document.range[1]], 'MULTIPLE_DOCS', 'a second document'),
      );
      break;
    }
  }
  // compose(…, forceDoc = true) yields at least one document, even for an empty text.
  return first!;
}

function keyText(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

/** Every map's keys, each seen once: a repeated one is an error where it repeats. */
function duplicateKeyErrors(document: Document): Array<{ offset: number; code: string; message: string }> {
  const errors: Array<{ offset: number; code: string; message: string }> = [];
  const stack: unknown[] = [document.contents];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = keyText(pair.key);
        if (key !== undefined && seen.has(key)) {
          errors.push({
            offset: (pair.key as Node).range?.[0] ?? 0,
            code: 'DUPLICATE_KEY',
            message: `Map keys must be unique; "${key.length > 40 ? `${key.slice(0, 40)}…` : key}" is repeated`,
          });
        }
        if (key !== undefined) seen.add(key);
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      stack.push(...node.items);
    }
  }
  return errors;
}

/** Each map's pairs by key, built on first use, so locating n problems costs n lookups, not n scans. */
class PairIndex {
  readonly #byMap = new WeakMap<object, Map<string, Pair>>();

  find(map: { items: Pair[] }, key: string): Pair | undefined {
    let pairs = this.#byMap.get(map);
    if (pairs === undefined) {
      pairs = new Map();
      for (const pair of map.items) {
        const text = keyText(pair.key);
        if (text !== undefined && !pairs.has(text)) pairs.set(text, pair);
      }
      this.#byMap.set(map, pairs);
    }
    return pairs.get(key);
  }
}

/** The offset of the node a path names, or of its nearest ancestor present in the text. */
function offsetOf(
  root: Node | null,
  path: readonly PathSegment[],
  atKey: boolean,
  index: PairIndex,
): number | undefined {
  let node: unknown = root;
  let offset = (root as Node | null)?.range?.[0];
  for (const [position, segment] of path.entries()) {
    if (isMap(node)) {
      const pair = index.find(node as { items: Pair[] }, String(segment));
      if (!pair) break;
      const last = position === path.length - 1;
      const keyStart = (pair.key as Node | null)?.range?.[0];
      const valueStart = (pair.value as Node | null)?.range?.[0];
      offset = last && atKey ? keyStart : (valueStart ?? keyStart);
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

function jsonSyntaxProblem(text: string, error: unknown): Problem {
  const raw = error instanceof Error ? error.message : String(error);
  const message = `JSON: ${raw.replace(/ in JSON at position \d+.*$/s, '').replace(/\s+/g, ' ')}`;
  const position = /at position (\d+)/.exec(raw);
  if (position) {
    const lines = text.slice(0, Number(position[1])).split('\n');
    return { path: '', message, line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
  }
  // Node's message does not always give the offset; the YAML parser (JSON is YAML) usually can.
  const lineCounter = new LineCounter();
  const located = parseDocument(text, { lineCounter, prettyErrors: false }).errors[0];
  if (!located) return { path: '', message };
  const { line, col } = lineCounter.linePos(located.pos[0]);
  return { path: '', message, line, column: col };
}
