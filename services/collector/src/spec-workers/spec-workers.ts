import { MessageChannel } from 'node:worker_threads';
import {
  type EnvAllowlist,
  type ParseResult,
  parseSpec,
  type SpecShapeLimits,
} from '@rollout-guard/shared/spec';
import { Piscina } from 'piscina';
import { AppError } from '../errors.ts';
import { type ParseInput, type PatchInput, versionPatch } from './spec-worker.ts';

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

/**
 * A thread's old-space heap by default, in MB. Loading takes 16–24 MB from source (tsx in the thread),
 * and the largest spec accepted (1 MiB, 5,000 keys) parses within 24 MB all told; 64 leaves room.
 */
export const DEFAULT_MAX_HEAP_MB = 64;

export interface SpecWorkersSettings {
  /** Worker threads parsing specs and diffing versions at once (SPEC_PARSE_THREADS). */
  readonly threads: number;
  /** Tasks waiting for a thread at most (SPEC_PARSE_QUEUE); past it, 503 with Retry-After. */
  readonly queue: number;
  /** How long one task may run on its thread (SPEC_PARSE_TIMEOUT_MS); past it the thread is ended. */
  readonly timeoutMs: number;
  /** A thread's old-space heap, in MB (SPEC_PARSE_MAX_HEAP_MB); past it the thread is ended. */
  readonly maxHeapMb: number;
  /** Told when a thread fails outside a task: it could not start (piscina then starts no other). */
  readonly onThreadFailure?: (error: Error) => void;
  /** Keys and nesting a spec may have (SPEC_MAX_KEYS, SPEC_MAX_DEPTH). */
  readonly limits: SpecShapeLimits;
  /** The variables `env:NAME` in a spec may read (SPEC_ENV_ALLOWED). */
  readonly envAllowed: EnvAllowlist;
  /** Texts shorter than this are handled inline (default INLINE_BELOW_CHARACTERS; 0 sends every one to a thread). */
  readonly inlineBelowCharacters?: number;
}

export interface SpecWorkers {
  /** The spec parsed and validated, off the event loop when it is large. 413 past the time limit. */
  parse(text: string, format: 'json' | 'yaml'): Promise<ParseResult>;
  /** The text patch between two versions (undefined past DIFF_*), off the event loop when they are large. */
  patch(input: PatchInput): Promise<string | undefined>;
  close(): Promise<void>;
}

// Built, the collector has the worker bundled beside it as spec-worker.js (scripts/build-services.ts);
// from source, typescript-worker.mjs registers tsx in the thread and loads spec-worker.ts.
const WORKER = new URL('./spec-worker.ts', import.meta.url);
const workerFile = WORKER.pathname.endsWith('.ts') ? new URL('./typescript-worker.mjs', WORKER) : WORKER;

/**
 * Parses specs and diffs versions in a small pool of worker threads, so that a large spec
 * (API_MAX_BODY_BYTES, SPEC_MAX_KEYS) does not hold up ingest, the API and `/readyz` while it is parsed
 * and validated. The pool and its queue are bounded; a task that outlives its time limit or its heap
 * has its thread ended (piscina starts another).
 *
 * A thread that dies before it takes a task (it could not load, or its heap limit is below what
 * loading needs) is the one failure piscina does not hand to a task: it emits it on the pool, which
 * would end the collector as an uncaught error, and starts no other thread, so the tasks waiting
 * would wait for ever. So the pool is replaced then: the waiting tasks fail at once with 503, and the
 * next one tries a new thread.
 */
export function createSpecWorkers(settings: SpecWorkersSettings): SpecWorkers {
  /** Pools replaced after a thread failed to start, with that failure: their tasks are answered 503. */
  const failedToStart = new WeakMap<Piscina, Error>();
  const replaced = new Set<Promise<void>>();
  function startPool(): Piscina {
    const started = new Piscina({
      filename: workerFile.href,
      // No idle thread is kept: most collectors see a large spec rarely, and a thread holds its own heap.
      minThreads: 0,
      maxThreads: settings.threads,
      maxQueue: settings.queue,
      idleTimeout: 60_000,
      resourceLimits: { maxOldGenerationSizeMb: settings.maxHeapMb },
    });
    started.on('error', (error: Error) => {
      settings.onThreadFailure?.(error);
      if (pool !== started) return;
      failedToStart.set(started, error);
      pool = startPool();
      const ended = started.destroy().finally(() => replaced.delete(ended));
      replaced.add(ended);
    });
    return started;
  }
  let pool = startPool();
  const inlineBelow = settings.inlineBelowCharacters ?? INLINE_BELOW_CHARACTERS;
  const parseOptions = { limits: settings.limits, envAllowed: settings.envAllowed };

  /**
   * Runs a task on a thread: 503 when the queue is full or the thread could not start, `tooBig` once
   * it has run past the time limit or out of heap.
   */
  async function run<T>(name: 'parse' | 'patch', task: object, tooBig: (why: TooBig) => T): Promise<T> {
    const taken = pool;
    if (taken.queueSize >= settings.queue) {
      throw new AppError({
        code: 'SERVICE_UNAVAILABLE',
        message: `${settings.threads + settings.queue} large specs are being parsed or diffed, or waiting (SPEC_PARSE_THREADS, SPEC_PARSE_QUEUE); send this request again shortly`,
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
      return (await taken.run(
        { ...task, started: started.port2 },
        { name, transferList: [started.port2], signal: timeUp.signal },
      )) as T;
    } catch (error) {
      if (timeUp.signal.aborted) return tooBig('time');
      if ((error as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY') return tooBig('heap');
      const notStarted = failedToStart.get(taken);
      if (notStarted !== undefined) {
        throw new AppError({
          code: 'SERVICE_UNAVAILABLE',
          message: `The thread that parses large specs could not start (${notStarted.message}${heapHint(notStarted)}); send this request again shortly`,
          retryAfterSeconds: 1,
        });
      }
      throw error;
    } finally {
      clearTimeout(timer);
      started.port1.close();
    }
  }

  return {
    parse(text, format) {
      if (text.length < inlineBelow) return Promise.resolve(parseSpec(text, { format, ...parseOptions }));
      const input: ParseInput = { text, format, ...parseOptions };
      return run<ParseResult>('parse', input, (why) => {
        const over =
          why === 'time'
            ? `took over ${settings.timeoutMs} ms to parse and validate (SPEC_PARSE_TIMEOUT_MS)`
            : `needed more than ${settings.maxHeapMb} MB of heap to parse and validate (SPEC_PARSE_MAX_HEAP_MB)`;
        throw new AppError({
          code: 'PAYLOAD_TOO_LARGE',
          message: `The spec ${over}, so it was given up; a rollout spec takes milliseconds and a few MB: send a smaller one`,
        });
      });
    },
    patch(input) {
      if (input.before.text.length + input.after.text.length < inlineBelow) {
        return Promise.resolve(versionPatch(input));
      }
      // Past the time or heap limit the patch is omitted, as past DIFF_TIMEOUT_MS: the field changes still show.
      return run<string | undefined>('patch', input, () => undefined);
    },
    close: async () => {
      await Promise.all([pool.destroy(), ...replaced]);
    },
  };
}

/** Which limit a task ran past. */
type TooBig = 'time' | 'heap';

function heapHint(error: Error): string {
  return (error as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY'
    ? ': SPEC_PARSE_MAX_HEAP_MB is below what a thread needs to load'
    : '';
}
