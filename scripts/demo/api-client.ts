/** The few calls of the collector's HTTP API (PRODUCT.md §2) the demo makes, with errors that say which. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RolloutView {
  readonly phase: string;
  /** 1-based wave index; 0 before wave 1. */
  readonly wave: number;
  readonly raw: Record<string, unknown>;
}

export interface ApiClient {
  putSpec(name: string, yamlText: string): Promise<{ version: number }>;
  act(name: string, action: 'start' | 'approve' | 'abort', reason: string): Promise<void>;
  rollout(name: string): Promise<RolloutView | null>;
  decisionUrl(name: string, decisionId: string): string;
}

async function call(url: string, init: RequestInit, what: string): Promise<unknown> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      const body = JSON.parse(text) as { message?: unknown };
      if (typeof body.message === 'string') message = body.message;
    } catch {
      // not JSON: keep the text as it came
    }
    throw new ApiError(
      res.status,
      `${what}: ${init.method ?? 'GET'} ${url} answered ${res.status}: ${message}`,
    );
  }
  return text === '' ? null : JSON.parse(text);
}

function numberAt(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/**
 * The rollout view's phase and wave, read leniently: `wave` may be the index itself or an object with
 * `index`; the rollout may sit at the top level or under `rollout`/`state`.
 */
export function readRolloutView(body: unknown): RolloutView | null {
  if (body === null || typeof body !== 'object') return null;
  const top = body as Record<string, unknown>;
  const candidates = [top, top.rollout, top.state].filter(
    (c): c is Record<string, unknown> => c !== null && typeof c === 'object',
  );
  for (const c of candidates) {
    if (typeof c.phase !== 'string') continue;
    const wave = c.wave;
    const index =
      numberAt(wave) ??
      (wave !== null && typeof wave === 'object'
        ? numberAt((wave as Record<string, unknown>).index)
        : undefined) ??
      numberAt(c.waveIndex) ??
      0;
    return { phase: c.phase, wave: index, raw: top };
  }
  return null;
}

export function apiClient(baseUrl: string, headers: Record<string, string> = {}): ApiClient {
  const rollouts = `${baseUrl}/api/v1/rollouts`;
  return {
    async putSpec(name, yamlText) {
      const body = await call(
        `${rollouts}/${name}`,
        { method: 'PUT', headers: { ...headers, 'content-type': 'application/yaml' }, body: yamlText },
        `applying the spec of ${name}`,
      );
      const version = (body as { version?: unknown } | null)?.version;
      return { version: typeof version === 'number' ? version : 0 };
    },
    async act(name, action, reason) {
      await call(
        `${rollouts}/${name}/${action}`,
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ reason }),
        },
        `${action} ${name}`,
      );
    },
    async rollout(name) {
      try {
        return readRolloutView(await call(`${rollouts}/${name}`, { headers }, `reading ${name}`));
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
    decisionUrl(name, decisionId) {
      return `${rollouts}/${name}/decisions/${encodeURIComponent(decisionId)}`;
    },
  };
}
