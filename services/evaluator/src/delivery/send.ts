import { type Egress, EgressRefusedError, type EgressResponse } from '@rollout-guard/shared/egress';
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
  /** The egress policy every attempt goes through (addresses, allowlist, redirects). */
  egress: Egress;
  /** Redirects within the same origin followed at most this many times (default 3). */
  maxRedirects?: number;
  excerptBytes?: number;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/**
 * Sends one attempt under the egress policy. A redirect to the same origin is followed with the
 * same method, headers and body (a webhook is not a form, and a 303's switch to GET would drop the
 * body); one to another origin is not, because the request carries credentials meant for the
 * configured host only. A refusal by the policy stops the delivery with its reason: it is
 * permanent until the policy or the target changes, and a redelivery then sends it again. The
 * timeout covers the whole attempt, redirects and the excerpt included.
 */
export async function send(request: DeliveryRequest, options: SendOptions): Promise<AttemptResult> {
  const started = performance.now();
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

  let response: EgressResponse;
  try {
    response = await options.egress.fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal,
      ...(options.maxRedirects === undefined ? {} : { maxRedirects: options.maxRedirects }),
    });
  } catch (error) {
    if (error instanceof EgressRefusedError) {
      return finish({ outcome: 'stopped', error: error.message });
    }
    return finish({ outcome: 'retry', error: describeFailure(error, options.timeoutMs) });
  }

  if (redirectStatuses.has(response.status)) {
    await response.body?.cancel().catch(() => undefined);
    return finish({
      outcome: 'retry',
      status: response.status,
      error: `answered ${response.status} without a usable Location`,
    });
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
async function readExcerpt(
  response: EgressResponse,
  limit: number,
  secrets: readonly string[],
): Promise<string> {
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
