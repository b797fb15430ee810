import { createHash, timingSafeEqual } from 'node:crypto';
import type { Scope } from './scopes.ts';
import type { TokenConfig } from './token-config.ts';

/** Who a request comes from: the token's name (the actor in the audit log) and its scopes. */
export interface Principal {
  readonly name: string;
  readonly scopes: readonly Scope[];
}

export interface TokenStore {
  /** How many tokens are configured; zero means the collector runs open (loopback only). */
  readonly size: number;
  /** The principal a bearer token belongs to, or null when it is not known. */
  verify(token: string): Principal | null;
}

interface StoredToken extends Principal {
  readonly hash: Buffer;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Keeps only SHA-256 hashes of the secrets. A presented token is hashed and compared with every stored
 * hash by `timingSafeEqual`, all of them each time, so neither the comparison nor which entry matched
 * shows in the response time. Hashing first also makes every comparison the same length.
 */
export function createTokenStore(tokens: readonly TokenConfig[]): TokenStore {
  const stored: StoredToken[] = tokens.map((token) => ({
    name: token.name,
    scopes: [...token.scopes],
    hash: 'plain' in token.secret ? sha256(token.secret.plain) : Buffer.from(token.secret.sha256, 'hex'),
  }));
  return {
    size: stored.length,
    verify(token) {
      const presented = sha256(token);
      let found: StoredToken | null = null;
      for (const entry of stored) {
        if (timingSafeEqual(presented, entry.hash) && found === null) found = entry;
      }
      return found === null ? null : { name: found.name, scopes: found.scopes };
    },
  };
}
