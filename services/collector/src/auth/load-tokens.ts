import { readFileSync } from 'node:fs';
import { parseTokensEnv, parseTokensFile, type TokenConfig, TokenConfigError } from './token-config.ts';
import { createTokenStore, type TokenStore } from './token-store.ts';

/** The token store from `ROLLOUT_GUARD_TOKENS` and `TOKENS_FILE`; a bad entry stops the start with its reason. */
export function loadTokens(env: { ROLLOUT_GUARD_TOKENS: string; TOKENS_FILE: string }): TokenStore {
  const tokens: TokenConfig[] = parseTokensEnv(env.ROLLOUT_GUARD_TOKENS);
  if (env.TOKENS_FILE !== '') {
    let text: string;
    try {
      text = readFileSync(env.TOKENS_FILE, 'utf8');
    } catch (error) {
      throw new TokenConfigError(
        `TOKENS_FILE=${env.TOKENS_FILE} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
    for (const token of parseTokensFile(text, env.TOKENS_FILE)) {
      if (tokens.some((t) => t.name === token.name)) {
        throw new TokenConfigError(
          `token "${token.name}" is in both ROLLOUT_GUARD_TOKENS and ${env.TOKENS_FILE}; keep one`,
        );
      }
      tokens.push(token);
    }
  }
  return createTokenStore(tokens);
}
