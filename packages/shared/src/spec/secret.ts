import { z } from 'zod';

/** A secret as written in a spec: read from an environment variable, or given literally. */
export type Secret = { readonly env: string } | { readonly value: string };

const ENV_NAME = '[A-Za-z_][A-Za-z0-9_]*';
export const ENV_REFERENCE_PATTERN = new RegExp(`^env:${ENV_NAME}$`);
// A literal must not start with "env:": a malformed reference should be refused, not sent as a token.
export const TOKEN_PATTERN = new RegExp(`^(env:${ENV_NAME}|(?!env:)\\S+)$`);
export const SIGNING_SECRET_PATTERN = new RegExp(`^(env:${ENV_NAME}|whsec_[A-Za-z0-9+/]+={0,2})$`);

export const tokenInput = z
  .string({ error: 'expected a token: "env:NAME" to read it from the environment, or the token itself' })
  .regex(TOKEN_PATTERN, {
    error:
      'expected "env:NAME" (letters, digits, _) to read the environment, or the token itself without spaces',
  })
  .meta({
    description:
      'A token: "env:NAME" reads it from the environment variable NAME; anything else is the literal token.',
  });

export const signingSecretInput = z
  .string({ error: 'expected a signing secret: "env:NAME" or "whsec_…" (base64)' })
  .regex(SIGNING_SECRET_PATTERN, {
    error:
      'expected "env:NAME" to read the secret from the environment, or a literal "whsec_" followed by base64',
  })
  .meta({ description: 'Standard Webhooks signing secret: "env:NAME" or a literal "whsec_<base64>".' });

// RFC 9110 token characters: what a header name may be made of.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// A value "env:…" that is not a valid reference is refused rather than sent as a header.
const HEADER_VALUE = new RegExp(`^(env:${ENV_NAME}|(?!env:)[^\\r\\n]*)$`);

/** Extra HTTP headers (webhooks, scrapes): name → value, a value `env:NAME` read from the environment. */
export const headersInput = z.record(
  z.string().regex(HEADER_NAME, { error: 'expected an HTTP header name (letters, digits, "-")' }),
  z.string({ error: 'expected a header value as a string' }).regex(HEADER_VALUE, {
    error: 'expected "env:NAME" to read the value from the environment, or the value itself on one line',
  }),
  { error: 'expected a map of header name to value, like { Authorization: "env:HOOK_AUTH" }' },
);

export function parseSecret(text: string): Secret {
  return ENV_REFERENCE_PATTERN.test(text) ? { env: text.slice('env:'.length) } : { value: text };
}

/** The secret's value; throws naming the variable when it is not set, so a delivery fails loudly. */
export function resolveSecret(secret: Secret, env: Readonly<Record<string, string | undefined>>): string {
  if ('value' in secret) return secret.value;
  const value = env[secret.env];
  if (value === undefined || value === '') {
    throw new Error(`environment variable ${secret.env} is not set; the spec reads a secret from it`);
  }
  return value;
}
