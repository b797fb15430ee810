import { z } from 'zod';
import type { PathSegment } from './problem.ts';
import type { RolloutSpec } from './resolved.ts';
import { ENV_REFERENCE_PATTERN } from './secret.ts';

/**
 * The environment variables `env:NAME` in a spec may read: the operator's opt-in (SPEC_ENV_ALLOWED),
 * so that whoever may write specs cannot send the services' own settings (REDIS_URL, the API tokens)
 * to a URL of their choosing. Names, and prefixes ending in `*`.
 */
export interface EnvAllowlist {
  readonly names: ReadonlySet<string>;
  readonly prefixes: readonly string[];
}

const ENTRY = /^([A-Za-z_][A-Za-z0-9_]*\*?|\*)$/;

function entriesOf(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** SPEC_ENV_ALLOWED as both services' env.ts read it: `ROLLBACK_SECRET,UNLEASH_TOKEN,RG_SECRET_*`; empty allows none. */
export const specEnvAllowed = z
  .string()
  .default('')
  .superRefine((text, ctx) => {
    for (const entry of entriesOf(text)) {
      if (!ENTRY.test(entry)) {
        ctx.addIssue({
          code: 'custom',
          message: `"${entry}" is neither a variable name nor a prefix ending in * (like RG_SECRET_*)`,
        });
      }
    }
  });

/** The allowlist a SPEC_ENV_ALLOWED value names; entries that are not names match nothing. */
export function parseEnvAllowlist(text: string): EnvAllowlist {
  const entries = entriesOf(text).filter((entry) => ENTRY.test(entry));
  return {
    names: new Set(entries.filter((entry) => !entry.endsWith('*'))),
    prefixes: entries.filter((entry) => entry.endsWith('*')).map((entry) => entry.slice(0, -1)),
  };
}

export function envAllowed(allowlist: EnvAllowlist, name: string): boolean {
  return allowlist.names.has(name) || allowlist.prefixes.some((prefix) => name.startsWith(prefix));
}

/** The message for a reference the allowlist refuses: the same at apply, at delivery and at scrape. */
export function envRefusal(name: string): string {
  return `env:${name} is not among the variables specs may read; the operator adds ${name} (or a prefix of it ending in *) to SPEC_ENV_ALLOWED on both services`;
}

export interface EnvReference {
  readonly path: PathSegment[];
  readonly name: string;
}

/**
 * Every `env:NAME` a resolved spec reads, with its path: secrets (`{ env }`, as parsed) and header
 * values (kept as written, resolved when sent).
 */
export function envReferences(spec: RolloutSpec): EnvReference[] {
  const found: EnvReference[] = [];
  const stack: Array<{ value: unknown; path: PathSegment[]; inHeaders: boolean }> = [
    { value: spec, path: [], inHeaders: false },
  ];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value, path, inHeaders } = next;
    if (typeof value === 'string') {
      if (inHeaders && ENV_REFERENCE_PATTERN.test(value)) found.push({ path, name: value.slice(4) });
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => {
        stack.push({ value: item, path: [...path, i], inHeaders: false });
      });
    } else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value);
      if (entries.length === 1 && entries[0]![0] === 'env' && typeof entries[0]![1] === 'string') {
        found.push({ path, name: entries[0]![1] });
        continue;
      }
      const isHeaders = path.at(-1) === 'headers';
      for (const [key, inner] of entries)
        stack.push({ value: inner, path: [...path, key], inHeaders: isHeaders });
    }
  }
  return found.sort((a, b) => (a.path.join('.') < b.path.join('.') ? -1 : 1));
}
