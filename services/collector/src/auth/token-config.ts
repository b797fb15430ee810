import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isScope, SCOPES, type Scope } from './scopes.ts';

/** One configured token before hashing: its name (the actor in the audit log), scopes and secret. */
export interface TokenConfig {
  readonly name: string;
  readonly scopes: readonly Scope[];
  /** The secret itself, or its SHA-256 in hex when the file stores only that. */
  readonly secret: { readonly plain: string } | { readonly sha256: string };
}

export class TokenConfigError extends Error {
  override name = 'TokenConfigError';
}

const NAME = /^[A-Za-z0-9._@-]+$/;
const MIN_SECRET_LENGTH = 16;

function checkName(name: string, where: string): void {
  if (!NAME.test(name)) {
    throw new TokenConfigError(
      `${where}: token name "${name}" may use only letters, digits and . _ @ -; it is the actor in the audit log`,
    );
  }
}

function checkSecret(secret: string, where: string): void {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new TokenConfigError(
      `${where}: the secret is ${secret.length} characters; use at least ${MIN_SECRET_LENGTH} (e.g. openssl rand -hex 24)`,
    );
  }
}

function scopesOf(text: string, where: string): Scope[] {
  const scopes = text.split('+').map((s) => s.trim());
  for (const scope of scopes) {
    if (!isScope(scope)) {
      throw new TokenConfigError(
        `${where}: unknown scope "${scope}"; expected scopes joined by +, from ${SCOPES.join(', ')}`,
      );
    }
  }
  return scopes as Scope[];
}

/**
 * `ROLLOUT_GUARD_TOKENS`: comma-separated `name:scope1+scope2:secret` entries, e.g.
 * `ci:admin+operate:3f9c…,otel:ingest:a81d…`. The secret is everything after the second colon.
 */
export function parseTokensEnv(text: string): TokenConfig[] {
  const tokens: TokenConfig[] = [];
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  entries.forEach((entry, index) => {
    const where = `ROLLOUT_GUARD_TOKENS entry ${index + 1}`;
    const first = entry.indexOf(':');
    const second = first < 0 ? -1 : entry.indexOf(':', first + 1);
    if (first <= 0 || second < 0) {
      throw new TokenConfigError(
        `${where}: expected name:scope1+scope2:secret, got "${entry.slice(0, 24)}…"`,
      );
    }
    const name = entry.slice(0, first);
    const secret = entry.slice(second + 1);
    checkName(name, where);
    checkSecret(secret, where);
    tokens.push({ name, scopes: scopesOf(entry.slice(first + 1, second), where), secret: { plain: secret } });
  });
  return unique(tokens, 'ROLLOUT_GUARD_TOKENS');
}

const FileEntry = z
  .object({
    name: z.string(),
    scopes: z.array(z.string()).min(1),
    token: z.string().optional(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/i, 'expected 64 hex digits: the SHA-256 of the token')
      .optional(),
  })
  .strict()
  .refine((entry) => (entry.token === undefined) !== (entry.sha256 === undefined), {
    message: 'give exactly one of token (the secret) or sha256 (its SHA-256 in hex)',
  });
const TokensFile = z.object({ tokens: z.array(FileEntry) }).strict();

/**
 * `TOKENS_FILE`, YAML or JSON:
 * `tokens: [{ name: ci, scopes: [admin, operate], token: "…" }, { name: otel, scopes: [ingest], sha256: "…" }]`.
 * Storing `sha256` instead of `token` keeps the secret itself out of the file.
 */
export function parseTokensFile(text: string, file: string): TokenConfig[] {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new TokenConfigError(`${file}: not YAML or JSON (${(error as Error).message})`);
  }
  const result = TokensFile.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    throw new TokenConfigError(
      `${file}: ${path.replace(/^\./, '') || '(top level)'}: ${issue.message}; expected tokens: [{ name, scopes: [...], token | sha256 }]`,
    );
  }
  const tokens = result.data.tokens.map((entry, index): TokenConfig => {
    const where = `${file}: tokens[${index}]`;
    checkName(entry.name, where);
    const scopes = scopesOf(entry.scopes.join('+'), where);
    if (entry.token !== undefined) {
      checkSecret(entry.token, where);
      return { name: entry.name, scopes, secret: { plain: entry.token } };
    }
    return { name: entry.name, scopes, secret: { sha256: entry.sha256!.toLowerCase() } };
  });
  return unique(tokens, file);
}

function unique(tokens: TokenConfig[], where: string): TokenConfig[] {
  const seen = new Set<string>();
  for (const token of tokens) {
    if (seen.has(token.name)) {
      throw new TokenConfigError(`${where}: token name "${token.name}" appears twice; names must be unique`);
    }
    seen.add(token.name);
  }
  return tokens;
}
