import { coveredStretches } from './literal-scan.ts';
import type { PathSegment } from './problem.ts';
import type { RolloutSpec } from './resolved.ts';

/** What a literal secret is shown as, wherever a spec is served back. */
export const REDACTED = '[redacted]';

export interface LiteralSecret {
  readonly path: PathSegment[];
  readonly value: string;
  /** What replaces it: REDACTED, or for a Slack URL its origin followed by REDACTED. */
  readonly shownAs: string;
}

/**
 * Every secret a spec holds literally rather than as `env:NAME`: tokens, signing secrets and routing
 * keys (parsed as `{ value }`), header values, Slack incoming-webhook URLs (the URL is the
 * credential), and what may authenticate in any other URL (user and password, the query). A literal
 * is readable by anyone who may read the spec; these are what is redacted.
 */
export function literalSecrets(spec: RolloutSpec): LiteralSecret[] {
  const found: LiteralSecret[] = [];
  const stack: Array<{ value: unknown; path: PathSegment[] }> = [{ value: spec, path: [] }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value, path } = next;
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        stack.push({ value: item, path: [...path, i] });
      });
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length === 1 && keys[0] === 'value' && typeof record.value === 'string') {
      found.push({ path, value: record.value, shownAs: REDACTED });
      continue;
    }
    const inHeaders = path.at(-1) === 'headers';
    for (const [key, inner] of Object.entries(record)) {
      if (inHeaders && typeof inner === 'string' && !inner.startsWith('env:')) {
        found.push({ path: [...path, key], value: inner, shownAs: REDACTED });
      } else if (key === 'url' && typeof inner === 'string') {
        const shownAs = urlShownAs(inner, record.format === 'slack');
        if (shownAs !== inner) found.push({ path: [...path, key], value: inner, shownAs });
      } else {
        stack.push({ value: inner, path: [...path, key] });
      }
    }
  }
  return found;
}

/** A URL without what may authenticate: credentials, the query, and all of a Slack webhook's path. */
function urlShownAs(text: string, slack: boolean): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return slack ? REDACTED : text;
  }
  const secretPath = (slack || url.hostname === 'hooks.slack.com') && url.pathname !== '/';
  if (url.username === '' && url.password === '' && url.search === '' && !secretPath) return text;
  const credentials = url.username !== '' || url.password !== '' ? `${REDACTED}@` : '';
  const query = url.search === '' ? '' : `?${REDACTED}`;
  return `${url.protocol}//${credentials}${url.host}${secretPath ? `/${REDACTED}` : url.pathname}${query}`;
}

/** The spec with each literal secret replaced by what it is shown as. */
export function redactSpec<T extends RolloutSpec>(spec: T, secrets = literalSecrets(spec)): T {
  if (secrets.length === 0) return spec;
  const copy = structuredClone(spec) as unknown as Record<PropertyKey, unknown>;
  for (const secret of secrets) {
    let node: Record<PropertyKey, unknown> = copy;
    for (const segment of secret.path.slice(0, -1)) node = node[segment] as Record<PropertyKey, unknown>;
    const last = secret.path.at(-1)!;
    const leaf = node[last];
    node[last] =
      typeof leaf === 'object' && leaf !== null
        ? { ...(leaf as object), value: secret.shownAs }
        : secret.shownAs;
  }
  return copy as unknown as T;
}

/**
 * The text as sent with every occurrence of each literal secret replaced: the text is what a user wrote, so
 * its secrets are found by their values, all in one pass. Where occurrences overlap (one secret inside
 * another, or two that share characters) the whole stretch goes, shown as the longest one, so no part of any
 * secret is left in the text.
 */
export function redactSource(source: string, secrets: readonly LiteralSecret[]): string {
  const found = secrets.filter((secret) => secret.value !== '');
  if (found.length === 0) return source;
  const parts: string[] = [];
  let at = 0;
  for (const stretch of coveredStretches(
    source,
    found.map((secret) => secret.value),
  )) {
    parts.push(source.slice(at, stretch.start), found[stretch.needle]!.shownAs);
    at = stretch.end;
  }
  parts.push(source.slice(at));
  return parts.join('');
}
