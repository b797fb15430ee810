import type { MessagePort } from 'node:worker_threads';
import {
  type EnvAllowlist,
  type ParseResult,
  parseSpec,
  type SpecShapeLimits,
} from '@rollout-guard/shared/spec';
import { createTwoFilesPatch } from 'diff';

// A worker thread's tasks (piscina calls them by name). What crosses to and from the thread is
// structured-cloned: strings, numbers, plain objects (EnvAllowlist holds a Set, which clones too).

export interface ParseInput {
  readonly text: string;
  readonly format: 'json' | 'yaml';
  readonly limits: SpecShapeLimits;
  readonly envAllowed: EnvAllowlist;
}

export interface PatchInput {
  /** The two texts as sent, each with the name the patch gives it (`checkout@v1`). */
  readonly before: { readonly name: string; readonly text: string };
  readonly after: { readonly name: string; readonly text: string };
  /** DIFF_MAX_CHANGED_LINES and DIFF_TIMEOUT_MS: past either, no patch. */
  readonly maxChangedLines: number;
  readonly timeoutMs: number;
}

/** Told as the task starts, so the time limit counts the work and not the wait in the queue. */
export interface Started {
  readonly started: MessagePort;
}

function tellStarted({ started }: Started): void {
  started.postMessage('started');
  started.close();
}

/** The unified diff of two versions' texts, or undefined when they differ too much to diff in time. */
export function versionPatch(input: PatchInput): string | undefined {
  // Myers' diff costs the texts' length times the lines changed: both bounds keep it to milliseconds.
  return createTwoFilesPatch(
    input.before.name,
    input.after.name,
    input.before.text,
    input.after.text,
    '',
    '',
    {
      maxEditLength: input.maxChangedLines,
      timeout: input.timeoutMs,
    },
  );
}

/** The spec parsed and validated. */
export function parse(task: ParseInput & Started): ParseResult {
  tellStarted(task);
  return parseSpec(task.text, { format: task.format, limits: task.limits, envAllowed: task.envAllowed });
}

/** The text patch between two versions. */
export function patch(task: PatchInput & Started): string | undefined {
  tellStarted(task);
  return versionPatch(task);
}
