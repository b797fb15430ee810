import {
  type Egress,
  EgressRefusedError,
  ResponseTooLargeError,
  readCapped,
} from '@rollout-guard/shared/egress';
import { resolveSecret, type ScrapeTarget } from '@rollout-guard/shared/spec';
import { DecodeError } from '../protocols/decode-error.ts';
import type { DecodedBatch } from '../protocols/decoded-batch.ts';
import { parsePromText, type TextFormat, textFormatOf } from '../protocols/prom-text.ts';

/** What made a scrape fail: the `reason` label of `rollout_guard_scrape_errors_total`. */
export type ScrapeFailureReason =
  /** A header's environment variable is not set. */
  | 'config'
  /** No answer within the target's timeout. */
  | 'timeout'
  /** Connection refused, DNS, TLS, reset. */
  | 'network'
  /** An answer other than 2xx. */
  | 'http'
  /** A body over the size limit. */
  | 'too-large'
  /** Refused by the egress policy: the target's address, or a redirect to another origin. */
  | 'egress'
  /** A body that is neither valid Prometheus text nor OpenMetrics. */
  | 'parse'
  /** Storing the points failed (Redis away). */
  | 'store';

export class ScrapeFailure extends Error {
  override name = 'ScrapeFailure';
  constructor(
    readonly reason: ScrapeFailureReason,
    message: string,
  ) {
    super(message);
  }
}

/** Prometheus' own preference: OpenMetrics first, the 0.0.4 text format as the fallback. */
export const AUTO_ACCEPT = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';
const ACCEPT: Readonly<Record<ScrapeTarget['format'], string>> = {
  auto: AUTO_ACCEPT,
  prometheus: 'text/plain;version=0.0.4',
  openmetrics: 'application/openmetrics-text;version=1.0.0',
};

export interface ScrapeOptions {
  /** Every scrape goes through the egress policy. */
  readonly egress: Egress;
  /** The scrape's time: given to samples without a timestamp. */
  readonly nowMs: number;
  /** Largest body accepted, in bytes (decompressed). */
  readonly maxBytes: number;
  /** The decoder's prefilter: lines of metrics no rollout reads are skipped unparsed. */
  readonly wantsMetric?: (name: string) => boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Aborts the scrape (shutdown); it then fails as `timeout`. */
  readonly signal?: AbortSignal;
}

export interface ScrapeResult {
  readonly batch: DecodedBatch;
  readonly format: TextFormat;
  readonly bytes: number;
}

/**
 * Pulls one target once: GET with the Accept header of its format, within its timeout, parsed by
 * the answer's Content-Type (or the format the target insists on). Throws ScrapeFailure.
 */
export async function scrapeOnce(target: ScrapeTarget, options: ScrapeOptions): Promise<ScrapeResult> {
  const headers: Record<string, string> = { accept: ACCEPT[target.format] };
  for (const [name, secret] of Object.entries(target.headers)) {
    try {
      headers[name.toLowerCase()] = resolveSecret(secret, options.env ?? process.env);
    } catch (error) {
      throw new ScrapeFailure('config', `header ${name}: ${(error as Error).message}`);
    }
  }
  const timeout = AbortSignal.timeout(target.timeout.ms);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let text: string;
  let contentType: string | null;
  try {
    // Redirects are followed within the target's origin only: the headers carry its credentials.
    const response = await options.egress.fetch(target.url, { headers, signal });
    contentType = response.headers.get('content-type');
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new ScrapeFailure('http', `the target answered ${response.status} ${response.statusText}`.trim());
    }
    text = (await readCapped(response, options.maxBytes)).toString('utf8');
  } catch (error) {
    if (error instanceof ScrapeFailure) throw error;
    if (error instanceof EgressRefusedError) {
      throw new ScrapeFailure('egress', error.message);
    }
    if (error instanceof ResponseTooLargeError) {
      throw new ScrapeFailure('too-large', `the body is over the limit of ${options.maxBytes} bytes`);
    }
    if (signal.aborted) {
      const why = timeout.aborted
        ? `within the timeout of ${target.timeout.text}`
        : 'before the scrape was stopped';
      throw new ScrapeFailure('timeout', `no complete answer ${why}`);
    }
    const cause = (error as { cause?: { message?: string; code?: string } }).cause;
    throw new ScrapeFailure(
      'network',
      `${(error as Error).message}${cause?.message ? `: ${cause.message}` : ''}`,
    );
  }
  const format = target.format === 'auto' ? textFormatOf(contentType) : target.format;
  try {
    const batch = parsePromText(text, {
      format,
      defaultTimeMs: options.nowMs,
      ...(options.wantsMetric && { wantsMetric: options.wantsMetric }),
    });
    return { batch, format, bytes: Buffer.byteLength(text) };
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    const formatName = format === 'openmetrics' ? 'OpenMetrics' : 'Prometheus text 0.0.4';
    throw new ScrapeFailure(
      'parse',
      `the body is not valid ${formatName} (Content-Type ${JSON.stringify(contentType ?? '')}): ${(error as Error).message}`,
    );
  }
}
