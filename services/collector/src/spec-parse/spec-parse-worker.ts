import type { MessagePort } from 'node:worker_threads';
import type { EnvAllowlist } from '@rollout-guard/shared/spec';
import { type ParseResult, parseSpec, type SpecShapeLimits } from '@rollout-guard/shared/spec';

/** What the collector's thread sends a worker: all of it structured-cloneable (EnvAllowlist holds a Set). */
export interface ParseTask {
  readonly text: string;
  readonly format: 'json' | 'yaml';
  readonly limits: SpecShapeLimits;
  readonly envAllowed: EnvAllowlist;
  /** Told as the parse starts, so the time limit counts the parse and not the wait in the queue. */
  readonly started: MessagePort;
}

/** A worker thread's task (piscina calls the default export): the spec parsed and validated, as plain data. */
export default function parseInWorker(task: ParseTask): ParseResult {
  task.started.postMessage('started');
  task.started.close();
  return parseSpec(task.text, { format: task.format, limits: task.limits, envAllowed: task.envAllowed });
}
