import { CliError, EXIT } from './exit-codes.ts';

export interface ClientOptions {
  /** Base URL of the collector, e.g. http://127.0.0.1:4318. */
  readonly server: string;
  readonly token?: string;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

export interface RequestOptions {
  readonly body?: string;
  readonly contentType?: string;
  readonly accept?: string;
}

interface ErrorBody {
  code?: string;
  message?: string;
  requestId?: string;
  problems?: Array<{ path: string; message: string; line?: number; column?: number }>;
}

/** Talks to the rollout-guard API; every failure becomes a CliError with the right exit code. */
export interface ApiClient {
  json<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
  text(method: string, path: string, options?: RequestOptions): Promise<string>;
}

export function createClient(options: ClientOptions): ApiClient {
  const base = options.server.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;

  async function send(
    method: string,
    path: string,
    request: RequestOptions,
    accept: string,
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: request.accept ?? accept };
    if (options.token !== undefined && options.token !== '')
      headers.authorization = `Bearer ${options.token}`;
    if (request.contentType !== undefined) headers['content-type'] = request.contentType;
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method,
        headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      });
    } catch (error) {
      const inner = (error as { cause?: { code?: string; errors?: Array<{ code?: string }> } }).cause;
      const cause = inner?.code ?? inner?.errors?.[0]?.code ?? (error as Error).message;
      throw new CliError(
        `cannot reach rollout-guard at ${base} (${cause}); is the collector running? Set --server or ROLLOUT_GUARD_SERVER`,
        EXIT.server,
      );
    }
    if (response.ok) return response;
    const text = await response.text();
    let body: ErrorBody = {};
    try {
      body = JSON.parse(text) as ErrorBody;
    } catch {
      body = { message: text.slice(0, 500) };
    }
    const details = (body.problems ?? []).map((p) => {
      const where = p.line === undefined ? '' : `${p.line}:${p.column ?? 1}  `;
      return `${where}${p.path || '(document)'}: ${p.message}`;
    });
    const retry = response.headers.get('retry-after');
    const message = `${response.status} ${body.code ?? response.statusText}: ${body.message ?? 'no message'}${retry === null ? '' : ` (retry after ${retry} s)`}`;
    const code = response.status >= 500 || response.status === 429 ? EXIT.server : EXIT.refused;
    throw new CliError(message, code, details);
  }

  return {
    async json<T>(method: string, path: string, request: RequestOptions = {}) {
      const response = await send(method, path, request, 'application/json');
      return (await response.json()) as T;
    },
    async text(method, path, request = {}) {
      const response = await send(method, path, request, 'text/plain');
      return response.text();
    },
  };
}
