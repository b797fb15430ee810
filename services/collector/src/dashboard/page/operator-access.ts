import type { TokenScopes } from './api-types.ts';

/** Whether the user's token may act (the `operate` scope), and if not, why, in words they can act on. */
export interface OperatorAccess {
  readonly allowed: boolean;
  readonly why: string;
}

export function operatorAccess(token: TokenScopes): OperatorAccess {
  if (token.scopes.includes('operate')) return { allowed: true, why: '' };
  const has = token.scopes.length === 0 ? 'no scope' : token.scopes.join(', ');
  return {
    allowed: false,
    why: `Actions need a token with the operate scope; token “${token.name}” has ${has}. Use Token (top right) to enter another.`,
  };
}
