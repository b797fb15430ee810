/** What replaces a secret in anything served back. */
export const REDACTED = '[redacted]';

/** Fields that hold a secret wherever they appear in a spec (action targets, scrape targets). */
const SECRET_FIELDS = new Set([
  'secret',
  'token',
  'routingKey',
  'password',
  'apiKey',
  'bearerToken',
  'authorization',
]);

const ENV_REFERENCE = /^env:[A-Za-z_][A-Za-z0-9_]*$/;

function redactSecret(value: unknown): unknown {
  if (typeof value === 'string') return ENV_REFERENCE.test(value) ? value : REDACTED;
  // The parsed form: `{ env: NAME }` names a variable (no secret), `{ value }` is the secret itself.
  if (value !== null && typeof value === 'object' && 'value' in value) return { ...value, value: REDACTED };
  return value;
}

/** A URL without what may authenticate: credentials, the query, and all of a Slack webhook's path. */
function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  const secretPath = url.hostname === 'hooks.slack.com' && url.pathname !== '/';
  if (url.username === '' && url.password === '' && url.search === '' && !secretPath) return text;
  const credentials = url.username !== '' || url.password !== '' ? `${REDACTED}@` : '';
  return `${url.protocol}//${credentials}${url.host}${secretPath ? `/${REDACTED}` : url.pathname}${url.search === '' ? '' : `?${REDACTED}`}`;
}

/**
 * A spec (as written or parsed) with every literal secret replaced: secret fields (`secret`, `token`,
 * `routingKey` …) unless they are `env:` references, every header value, and URLs' credentials, queries and
 * Slack webhook paths (a Slack URL is itself the secret). Names of variables stay: they tell a reviewer
 * where the secret comes from without giving it.
 */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => {
      if (SECRET_FIELDS.has(key)) return [key, redactSecret(inner)];
      if (key === 'headers' && inner !== null && typeof inner === 'object') {
        return [key, Object.fromEntries(Object.keys(inner).map((name) => [name, REDACTED]))];
      }
      if (key === 'url' && typeof inner === 'string') return [key, redactUrl(inner)];
      return [key, redactSecrets(inner)];
    }),
  );
}
