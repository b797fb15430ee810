import { ApiError, type TokenKeeper } from './api-client.ts';
import { byId } from './dom.ts';
import { clock } from './format.ts';

type StatusKind = 'ok' | 'auth' | 'error';

/**
 * The bar at the top: when the page last updated, or since when the API has been unreachable while the
 * last data stays on screen; and the token form when the API wants a (better) token.
 */
export class StatusBar {
  private lastGood: number | null = null;
  private failingSince: number | null = null;

  constructor(
    private readonly token: TokenKeeper,
    private readonly refreshSeconds: number,
  ) {}

  show(kind: StatusKind, text: string): void {
    const el = byId('status');
    el.className = `status ${kind}`;
    el.dataset.kind = kind;
    el.textContent = text;
  }

  private askForToken(message: string): void {
    byId('auth').hidden = false;
    byId('auth-message').textContent = message;
  }

  /** Says what is wrong with the API in words a user can act on; true when the view cannot show data. */
  failure(error: unknown): boolean {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 401) {
      const hasToken = this.token.get() !== null;
      this.show('auth', hasToken ? 'Token refused' : 'Token needed');
      this.askForToken(
        hasToken
          ? `The token was refused: ${error.message}. Enter a token with the read scope.`
          : 'This collector needs a token with the read scope: enter it below.',
      );
      return true;
    }
    if (error.status === 403) {
      this.show('auth', 'Token lacks the read scope');
      this.askForToken(`${error.message}. Enter a token with the read scope.`);
      return true;
    }
    if (error.status === 0 || error.status >= 500 || error.status === 429) {
      this.failingSince ??= Date.now();
      const stale = this.lastGood === null ? 'no data yet' : `showing data from ${clock(this.lastGood)}`;
      this.show(
        'error',
        `API unreachable since ${clock(this.failingSince)}: ${error.message}; retrying every ${this.refreshSeconds} s, ${stale}`,
      );
    }
    return false;
  }

  success(): void {
    this.lastGood = Date.now();
    this.failingSince = null;
    byId('auth').hidden = true;
    this.show('ok', `Updated ${clock(this.lastGood)} · refreshes every ${this.refreshSeconds} s`);
  }
}
