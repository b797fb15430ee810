import { redact } from './redact.ts';
import type { DeliveryRequest } from './request.ts';
import { parseRateLimitReset, parseRetryAfter } from './retry-after.ts';

/** What one attempt did; this, never the request, is what the delivery log stores. */
export interface AttemptResult {
  /** The final answer's status; absent when none came (network error, timeout, refused before sending). */
  status?: number;
  latencyMs: number;
  /** The first bytes of the answer, secrets removed. */
  responseExcerpt: string;
  error?: string;
  /** `retry` is a verdict on this attempt only: the schedule (backoff.ts) may still turn it into `gave-up`. */
  outcome: 'delivered' | 'retry' | 'stopped';
  retryAfterMs?: number;
}

export interface SendOptions {
  timeoutMs: number;
  /** Destination hosts allowed (`hooks.slack.com`, `*.internal`, `127.0.0.1:8080`); absent = any. */
  allowedHosts?: readonly string[] | undefined;
  /** Redirects within the same origin followed at most this many times (default 3). */
  maxRedirects?: number;
  excerptBytes?: number;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

export function hostAllowed(url: URL, allowedHosts: readonly string[] | undefined): boolean {
  if (allowedHosts === undefined) return true;
  return allowedHosts.some((entry) => {
    const pattern = entry.toLowerCase();
    const candidate = pattern.includes(':') ? url.host : url.hostname;
    if (pattern.startsWith('*.')) return candidate.endsWith(pattern.slice(1));
    return candidate === pattern;
  });
}

/**
 * Sends one attempt with Node's fetch. Redirects are handled by hand (`redirect: 'manual'`): one to
 * the same origin is followed with the same method, headers and body (a webhook is not a form, and
 * a 303's switch to GET would drop the body); one to another origin is not, because the request
 * carries credentials meant for the configured host only. The timeout covers the whole attempt,
 * redirects and the excerpt included.
 */
export async function send(request: DeliveryRequest, options: SendOptions): Promise<AttemptResult> {
  const started = performance.now();
  const maxRedirects = options.maxRedirects ?? 3;
  const excerptBytes = options.excerptBytes ?? 500;
  const signal = AbortSignal.timeout(options.timeoutMs);
  const clean = (text: string) => redact(text, request.redact);
  const finish = (
    result: Omit<AttemptResult, 'latencyMs' | 'responseExcerpt'> & { responseExcerpt?: string },
  ) => {
    const out: AttemptResult = {
      ...result,
      latencyMs: Math.round(performance.now() - started),
      responseExcerpt: result.responseExcerpt ?? '',
    };
    if (out.error !== undefined) out.error = clean(out.error);
    return out;
  };

  let url = new URL(request.url);
  if (!hostAllowed(url, options.allowedHosts)) {
    return finish({
      outcome: 'stopped',
      error: `destination host ${url.host} is not in the allowed hosts (${options.allowedHosts?.join(', ')}); add it to the evaluator's allowlist or change the target`,
    });
  }

  for (let redirects = 0; ; redirects++) {
    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
        signal,
      });
    } catch (error) {
      return finish({ outcome: 'retry', error: describeFailure(error, options.timeoutMs) });
    }

    if (redirectStatuses.has(response.status)) {
      await response.body?.cancel();
      const location = response.headers.get('location');
      const next = location === null ? undefined : safeUrl(location, url);
      if (next === undefined) {
        return finish({
          outcome: 'retry',
          status: response.status,
          error: `answered ${response.status} without a usable Location`,
        });
      }
      if (next.origin !== url.origin) {
        return finish({
          outcome: 'stopped',
          status: response.status,
          error: `redirected from ${url.origin} to another host (${next.origin}); not followed, credentials stay with the configured host: point the target at the final URL`,
        });
      }
      if (redirects >= maxRedirects) {
        return finish({
          outcome: 'stopped',
          status: response.status,
          error: `more than ${maxRedirects} redirects within ${url.origin}`,
        });
      }
      url = next;
      continue;
    }

    let responseExcerpt: string;
    try {
      responseExcerpt = await readExcerpt(response, excerptBytes, request.redact);
    } catch (error) {
      return finish({
        outcome: 'retry',
        status: response.status,
        error: describeFailure(error, options.timeoutMs),
      });
    }
    // Retry-After first; LaunchDarkly's route limits send only X-Ratelimit-Reset (epoch ms).
    const retryAfterMs =
      parseRetryAfter(response.headers.get('retry-after'), Date.now()) ??
      parseRateLimitReset(response.headers.get('x-ratelimit-reset'), Date.now());
    const status = response.status;
    if (status >= 200 && status < 300) return finish({ outcome: 'delivered', status, responseExcerpt });
    if (status === 410) {
      return finish({
        outcome: 'stopped',
        status,
        responseExcerpt,
        error: 'answered 410 Gone: the receiver asked for no more deliveries',
      });
    }
    const result: Parameters<typeof finish>[0] = {
      outcome: 'retry',
      status,
      responseExcerpt,
      error: `answered ${status}`,
    };
    if (retryAfterMs !== undefined) result.retryAfterMs = retryAfterMs;
    return finish(result);
  }
}

function safeUrl(location: string, base: URL): URL | undefined {
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  if (error instanceof Error) {
    const cause = error.cause;
    if (cause instanceof Error) {
      const code = (cause as NodeJS.ErrnoException).code;
      return `network error: ${code === undefined ? cause.message : `${code} ${cause.message}`}`;
    }
    return `network error: ${error.message}`;
  }
  return `network error: ${String(error)}`;
}

/**
 * The first `limit` bytes of the body as text. It reads a little further than it keeps, so that a
 * secret straddling the cut is still recognised and removed before the cut is made.
 */
async function readExcerpt(response: Response, limit: number, secrets: readonly string[]): Promise<string> {
  if (response.body === null) return '';
  const margin = secrets.reduce((max, s) => Math.max(max, Buffer.byteLength(s)), 0);
  const wanted = limit + margin;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  try {
    while (size < wanted) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const text = redact(Buffer.concat(chunks).toString('utf8'), secrets);
  const bytes = Buffer.from(text, 'utf8');
  return bytes.byteLength <= limit ? text : bytes.subarray(0, limit).toString('utf8');
}
