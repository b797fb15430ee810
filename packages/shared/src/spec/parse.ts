import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { knownFieldNames } from './json-schema.ts';
import { formatPath, issuesToSpecIssues, type PathSegment, type Problem, type SpecIssue } from './problem.ts';
import type { RolloutSpec } from './resolved.ts';
import { rolloutSpecSchema } from './schema.ts';

export type SpecFormat = 'yaml' | 'json' | 'auto';

export type ParseResult =
  | { readonly ok: true; readonly spec: RolloutSpec }
  | { readonly ok: false; readonly problems: Problem[] };

let fieldNames: readonly string[] | undefined;

/** Validates a spec that is already data (a JSON request body): problems carry paths, no positions. */
export function validateSpec(data: unknown): ParseResult {
  return validate(data, () => undefined);
}

function validate(data: unknown, locate: (issue: SpecIssue) => Position | undefined): ParseResult {
  const result = rolloutSpecSchema.safeParse(data, { reportInput: true });
  if (result.success) return { ok: true, spec: result.data };
  fieldNames ??= knownFieldNames();
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const issue of issuesToSpecIssues(result.error.issues, data, fieldNames)) {
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

/**
 * Parses a spec written in YAML or JSON. Syntax errors and schema problems alike come back as a
 * list of problems, each with its path and, when the text shows where, its line and column.
 */
export function parseSpec(text: string, options: { readonly format?: SpecFormat } = {}): ParseResult {
  const format =
    options.format === undefined || options.format === 'auto' ? detectFormat(text) : options.format;
  if (format === 'json') {
    try {
      JSON.parse(text);
    } catch (error) {
      return { ok: false, problems: [jsonSyntaxProblem(text, error)] };
    }
  }
  // JSON is YAML too, so one parser gives both formats the source ranges that locate problems.
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => {
        const start = lineCounter.linePos(error.pos[0]);
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
  return validate(data, (issue) => {
    const offset = offsetOf(document.contents, issue.path, issue.atKey ?? false);
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  });
}

function keyText(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

/** The offset of the node a path names, or of its nearest ancestor present in the text. */
function offsetOf(root: Node | null, path: readonly PathSegment[], atKey: boolean): number | undefined {
  let node: unknown = root;
  let offset = (root as Node | null)?.range?.[0];
  for (const [index, segment] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((item) => keyText(item.key) === String(segment));
      if (!pair) break;
      const last = index === path.length - 1;
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
