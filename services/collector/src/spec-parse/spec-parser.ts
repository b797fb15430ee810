import { MessageChannel } from 'node:worker_threads';
import {
  type EnvAllowlist,
  type ParseResult,
  parseSpec,
  type SpecShapeLimits,
} from '@rollout-guard/shared/spec';
import { Piscina } from 'piscina';
import { AppError } from '../errors.ts';
import type { ParseTask } from './spec-parse-worker.ts';

/**
 * Below this many characters a spec is parsed on the calling thread. Measured with `pnpm bench:spec-parse`
 * (test/bench/spec-parse.ts) on 2 shared cores under a load average of 17, so every figure is several
 * times a quiet machine's: the hop to a worker costs the event loop 0.2–1 ms at any size up to 64 KB
 * (8–17 ms at 1 MiB, the text and the result cloned) and saves it the parse, which for a dense spec of
 * guardrails was 5–7 ms at 2–4 KB, 12 ms at 8 KB and 140 ms at 64 KB (quiet: 2.4 ms for the 3.5 KB
 * example). Small specs stay inline all the same, so that they never wait behind large ones in the
 * worker's queue nor get its 503: the examples (2–3.5 KB) and any hand-written spec of a few dozen
 * checks are below it, and cost the event loop a few ms, as an ingest request does.
 */
export const INLINE_BELOW_CHARACTERS = 8 * 1024;

export interface SpecParserSettings {
  /** Worker threads parsing specs at once (SPEC_PARSE_THREADS). */
  readonly threads: number;
  /** Specs waiting for a thread at most (SPEC_PARSE_QUEUE); past it, 503 with Retry-After. */
  readonly queue: number;
  /** How long one parse may run on its thread (SPEC_PARSE_TIMEOUT_MS); past it the thread is ended, 413. */
  readonly timeoutMs: number;
  /** Keys and nesting a spec may have (SPEC_MAX_KEYS, SPEC_MAX_DEPTH). */
  readonly limits: SpecShapeLimits;
  /** The variables `env:NAME` in a spec may read (SPEC_ENV_ALLOWED). */
  readonly envAllowed: EnvAllowlist;
  /** Texts shorter than this are parsed inline (default INLINE_BELOW_CHARACTERS; 0 sends every one to a thread). */
  readonly inlineBelowCharacters?: number;
}

export interface SpecParser {
  /** The spec parsed and validated, off the event loop when it is large. */
  parse(text: string, format: 'json' | 'yaml'): Promise<ParseResult>;
  close(): Promise<void>;
}

// Built, the collector has the worker bundled beside it as spec-parse-worker.js (scripts/build-services.ts).
const WORKER = new URL('./spec-parse-worker.ts', import.meta.url);

/** Piscina's options for the worker file, from source (through typescript-worker.mjs) or built. */
function workerFile(): { filename: string; workerData?: { typescriptModule: string } } {
  if (!WORKER.pathname.endsWith('.ts')) return { filename: WORKER.href };
  return {
    filename: new URL('./typescript-worker.mjs', WORKER).href,
    workerData: { typescriptModule: WORKER.href },
  };
}

/**
 * Parses specs in a small pool of worker threads, so that a large one (API_MAX_BODY_BYTES, SPEC_MAX_KEYS)
 * does not hold up ingest, the API and `/readyz` while it is parsed and validated. The pool and its queue
 * are bounded, and a parse that outlives its time limit has its thread ended (piscina starts another).
 */
export function createSpecParser(settings: SpecParserSettings): SpecParser {
  const pool = new Piscina<ParseTask, ParseResult>({
    ...workerFile(),
    // No idle thread is kept: most collectors parse a large spec rarely, and a thread holds its own heap.
    minThreads: 0,
    maxThreads: settings.threads,
    maxQueue: settings.queue,
    idleTimeout: 60_000,
  });
  const inlineBelow = settings.inlineBelowCharacters ?? INLINE_BELOW_CHARACTERS;
  const options = { limits: settings.limits, envAllowed: settings.envAllowed };

  return {
    async parse(text, format) {
      if (text.length < inlineBelow) return parseSpec(text, { format, ...options });
      if (pool.queueSize >= settings.queue) {
        throw new AppError({
          code: 'SERVICE_UNAVAILABLE',
          message: `${settings.threads + settings.queue} large specs are being parsed or waiting (SPEC_PARSE_THREADS, SPEC_PARSE_QUEUE); send this one again shortly`,
          retryAfterSeconds: 1,
        });
      }
      const started = new MessageChannel();
      const timeUp = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      started.port1.once('message', () => {
        timer = setTimeout(() => timeUp.abort(), settings.timeoutMs);
      });
      try {
        return await pool.run(
          { text, format, ...options, started: started.port2 },
          { transferList: [started.port2], signal: timeUp.signal },
        );
      } catch (error) {
        if (!timeUp.signal.aborted) throw error;
        throw new AppError({
          code: 'PAYLOAD_TOO_LARGE',
          message: `The spec took over ${settings.timeoutMs} ms to parse and validate (SPEC_PARSE_TIMEOUT_MS), so it was given up; a rollout spec takes milliseconds: send a smaller one`,
        });
      } finally {
        clearTimeout(timer);
        started.port1.close();
      }
    },
    close: () => pool.destroy(),
  };
}
