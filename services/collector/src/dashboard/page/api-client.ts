import type { OperatorAction } from '@rollout-guard/shared/display';
import type {
  ActionResponse,
  AuditPage,
  DecisionList,
  DeliveryList,
  ListRolloutsResponse,
  RedeliverResponse,
  RolloutPlanResponse,
  RolloutView,
  SeriesResponse,
  TokenScopes,
} from './api-types.ts';

/** A failed API call: the HTTP status (0 when the collector could not be reached) and the API's message. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Where the page keeps the user's token: the tab's sessionStorage, never a cookie. */
export interface TokenKeeper {
  get(): string | null;
  set(token: string): void;
  forget(): void;
}

const TOKEN_KEY = 'rollout-guard.token';

export function sessionToken(storage: Storage = sessionStorage): TokenKeeper {
  return {
    get: () => storage.getItem(TOKEN_KEY),
    set: (token) => storage.setItem(TOKEN_KEY, token),
    forget: () => storage.removeItem(TOKEN_KEY),
  };
}

interface Request {
  readonly method?: 'GET' | 'POST';
  readonly accept?: 'application/json' | 'text/html';
  readonly body?: unknown;
}

export const rolloutPath = (name: string): string => `/api/v1/rollouts/${encodeURIComponent(name)}`;

/** The API as the page calls it: each call typed by the route's schema, with the user's token. */
export class ApiClient {
  private scopes: { readonly token: string | null; readonly answer: Promise<TokenScopes> } | null = null;

  constructor(
    readonly token: TokenKeeper,
    private readonly host: string = location.host,
  ) {}

  private async send(path: string, { method = 'GET', accept = 'application/json', body }: Request) {
    const headers: Record<string, string> = { accept };
    const token = this.token.get();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers,
        cache: 'no-store',
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ApiError(0, `cannot reach the collector at ${this.host} (${why})`);
    }
    if (!res.ok) {
      let message = `${res.status} ${res.statusText}`;
      try {
        const answer: unknown = await res.json();
        if (typeof answer === 'object' && answer !== null && 'message' in answer) {
          if (typeof answer.message === 'string') message = answer.message;
        }
      } catch {
        // not JSON: keep the status line
      }
      throw new ApiError(res.status, message);
    }
    return res;
  }

  /** The JSON answer of a route, of the type its schema gives. */
  async json<T>(path: string, request: Request = {}): Promise<T> {
    return (await (await this.send(path, request)).json()) as T;
  }

  async html(path: string): Promise<string> {
    return (await this.send(path, { accept: 'text/html' })).text();
  }

  rollouts(): Promise<ListRolloutsResponse> {
    return this.json('/api/v1/rollouts');
  }

  rollout(name: string): Promise<RolloutView> {
    return this.json(rolloutPath(name));
  }

  /** The planner at `traffic` requests per minute, for the spec the rollout runs by. */
  plan(name: string, traffic: number): Promise<RolloutPlanResponse> {
    return this.json(`${rolloutPath(name)}/plan?traffic=${encodeURIComponent(String(traffic))}`);
  }

  decisions(name: string, limit: number): Promise<DecisionList> {
    return this.json(`${rolloutPath(name)}/decisions?limit=${limit}`);
  }

  deliveries(rollout: string, limit: number): Promise<DeliveryList> {
    return this.json(`/api/v1/deliveries?rollout=${encodeURIComponent(rollout)}&limit=${limit}`);
  }

  series(name: string, check: string): Promise<SeriesResponse> {
    return this.json(`${rolloutPath(name)}/series?check=${encodeURIComponent(check)}`);
  }

  /** The rollout's audit log, newest first. */
  audit(name: string, limit: number): Promise<AuditPage> {
    return this.json(`${rolloutPath(name)}/audit?limit=${limit}`);
  }

  /** A decision's evidence pack as a file (the API serves it as an attachment). */
  async evidencePack(name: string, id: string, extension: 'html' | 'json'): Promise<Blob> {
    const accept = extension === 'html' ? 'text/html' : 'application/json';
    return (
      await this.send(`${rolloutPath(name)}/decisions/${encodeURIComponent(id)}/evidence.${extension}`, {
        accept,
      })
    ).blob();
  }

  decisionReport(name: string, id: string): Promise<string> {
    return this.html(`${rolloutPath(name)}/decisions/${encodeURIComponent(id)}`);
  }

  act(name: string, action: OperatorAction, reason: string): Promise<ActionResponse> {
    return this.json(`${rolloutPath(name)}/${action}`, { method: 'POST', body: { reason } });
  }

  redeliver(id: string, reason: string): Promise<RedeliverResponse> {
    return this.json(`/api/v1/deliveries/${encodeURIComponent(id)}/redeliver`, {
      method: 'POST',
      body: { reason },
    });
  }

  /** The token's name and scopes, asked once per token (a new token is asked again). */
  tokenScopes(): Promise<TokenScopes> {
    const token = this.token.get();
    if (this.scopes === null || this.scopes.token !== token) {
      const answer = this.json<TokenScopes>('/api/v1/token');
      this.scopes = { token, answer };
      // A failed answer is not kept: the next refresh asks again.
      answer.catch(() => {
        if (this.scopes?.answer === answer) this.scopes = null;
      });
    }
    return this.scopes.answer;
  }
}
