import { createHmac } from 'node:crypto';
import { DeliveryConfigError } from './delivery-error.ts';

// Standard Webhooks (https://www.standardwebhooks.com/, spec.md "Signature scheme"): the signed
// content is `${id}.${timestamp}.${body}`, HMAC-SHA256 keyed with the base64-decoded secret,
// sent as `v1,<base64>` in `webhook-signature`, next to `webhook-id` and `webhook-timestamp`
// (integer seconds since the epoch).

const prefix = 'whsec_';
const strictBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The HMAC key of a secret. `whsec_<base64>` is the documented form; a secret without the prefix is
 * read as base64 too, because that is what the reference `standardwebhooks` libraries do with it
 * and receivers verify with those libraries: any other reading would make their checks fail.
 * A secret that is not base64 is refused rather than guessed at.
 */
export function signingKey(secret: string, field = 'secret'): Buffer {
  const encoded = secret.startsWith(prefix) ? secret.slice(prefix.length) : secret;
  if (encoded === '' || !strictBase64.test(encoded)) {
    throw new DeliveryConfigError(
      `${field}: a signing secret must be "whsec_" followed by base64 (for example the output of \`openssl rand -base64 32\`)`,
    );
  }
  return Buffer.from(encoded, 'base64');
}

export interface SignatureInput {
  id: string;
  /** When this attempt is sent; a new timestamp per attempt keeps receivers' replay windows happy. */
  timestamp: Date;
  body: string;
  secret: string;
  /** Where the secret is configured, for the error a malformed one raises. */
  field?: string;
}

export function signature({ id, timestamp, body, secret, field }: SignatureInput): string {
  const seconds = Math.floor(timestamp.getTime() / 1000);
  const mac = createHmac('sha256', signingKey(secret, field)).update(`${id}.${seconds}.${body}`, 'utf8');
  return `v1,${mac.digest('base64')}`;
}

/** The three Standard Webhooks headers; without a secret only id and timestamp are sent. */
export function standardWebhookHeaders(
  input: Omit<SignatureInput, 'secret'> & { secret?: string | undefined },
) {
  const headers: Record<string, string> = {
    'webhook-id': input.id,
    'webhook-timestamp': String(Math.floor(input.timestamp.getTime() / 1000)),
  };
  if (input.secret !== undefined)
    headers['webhook-signature'] = signature({ ...input, secret: input.secret });
  return headers;
}
