import { DEFAULT_SPEC_SHAPE_LIMITS, parseEnvAllowlist, parseSpec } from '@rollout-guard/shared/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { specYaml } from '../api/api-test-kit.ts';
import { AppError } from '../errors.ts';
import { largestSpec } from './largest-spec.ts';
import { versionPatch } from './spec-worker.ts';
import {
  createSpecWorkers,
  DEFAULT_MAX_HEAP_MB,
  type SpecWorkers,
  type SpecWorkersSettings,
} from './spec-workers.ts';

const SMALL = specYaml('checkout');

const parsers: SpecWorkers[] = [];
afterEach(async () => {
  await Promise.all(parsers.splice(0).map((parser) => parser.close()));
});

function parser(settings: Partial<SpecWorkersSettings> = {}): SpecWorkers {
  const created = createSpecWorkers({
    threads: 1,
    queue: 4,
    timeoutMs: 30_000,
    maxHeapMb: DEFAULT_MAX_HEAP_MB,
    limits: DEFAULT_SPEC_SHAPE_LIMITS,
    envAllowed: parseEnvAllowlist('ROLLBACK_SECRET'),
    ...settings,
  });
  parsers.push(created);
  return created;
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe('specs parsed and diffed in a worker thread', () => {
  it('comes back as the inline parse would give it, valid or not', async () => {
    const threaded = parser({ inlineBelowCharacters: 0 });
    const envAllowed = parseEnvAllowlist('ROLLBACK_SECRET');
    expect(await threaded.parse(SMALL, 'yaml')).toStrictEqual(
      parseSpec(SMALL, { format: 'yaml', envAllowed }),
    );
    const unknownVariable = SMALL.replace(
      '/hooks/rollback" }',
      '/hooks/rollback", secret: "env:REDIS_URL" }',
    );
    const refused = await threaded.parse(unknownVariable, 'yaml');
    expect(refused.ok).toBe(false);
    expect(refused).toStrictEqual(parseSpec(unknownVariable, { format: 'yaml', envAllowed }));
  });

  it('parses the largest spec allowed (bytes and keys) as valid', async () => {
    const result = await parser().parse(largestSpec(DEFAULT_SPEC_SHAPE_LIMITS, 1024 * 1024), 'yaml');
    expect(result.ok ? [] : result.problems.map((problem) => problem.message)).toEqual([]);
  });

  it('is given up after its time limit with 413, its thread ended and the next run on a new one', async () => {
    const hurried = parser({ timeoutMs: 1 });
    const large = largestSpec(DEFAULT_SPEC_SHAPE_LIMITS, 1024 * 1024);
    for (const attempt of [1, 2]) {
      // The limit starts when a thread says it began: a second 413 means a new thread took the task.
      const error = await refusal(hurried.parse(large, 'yaml'));
      expect(error.status, `attempt ${attempt}`).toBe(413);
      expect(error.message).toMatch(/took over 1 ms to parse .*SPEC_PARSE_TIMEOUT_MS/);
    }
  });

  it('is given up past its heap with 413, its thread ended and the next spec parsed on a new one', async () => {
    // Loading takes up to 24 MB; a spec of 300,000 labels (more keys than allowed) needs far more than 40.
    const limits = { ...DEFAULT_SPEC_SHAPE_LIMITS, maxKeys: 1_000_000 };
    const small = parser({ maxHeapMb: 40, limits });
    const labels = Object.fromEntries(Array.from({ length: 300_000 }, (_, i) => [`label-${i}`, 'v']));
    const huge = JSON.stringify({ ...parseYaml(SMALL), metadata: { name: 'huge', labels } });
    const error = await refusal(small.parse(huge, 'json'));
    expect(error.status).toBe(413);
    expect(error.message).toMatch(/needed more than 40 MB of heap .*SPEC_PARSE_MAX_HEAP_MB/);
    const next = await small.parse(largestSpec(DEFAULT_SPEC_SHAPE_LIMITS, 64 * 1024), 'yaml');
    expect(next.ok ? [] : next.problems.map((problem) => problem.message)).toEqual([]);
  });

  it('answers 503 when its thread cannot start, and tries a new thread for the next spec', async () => {
    const failures: Error[] = [];
    const starved = parser({ maxHeapMb: 4, onThreadFailure: (failure) => failures.push(failure) });
    const large = largestSpec(DEFAULT_SPEC_SHAPE_LIMITS, 64 * 1024);
    for (const attempt of [1, 2]) {
      // Neither waits for ever nor ends the process with an uncaught error (vitest would fail the run).
      const error = await refusal(starved.parse(large, 'yaml'));
      expect(error.status, `attempt ${attempt}`).toBe(503);
      expect(error.retryAfterSeconds).toBe(1);
      expect(error.message).toMatch(/could not start .*SPEC_PARSE_MAX_HEAP_MB is below what a thread needs/);
    }
    expect(failures.length).toBe(2);
    expect(failures.map((failure) => (failure as { code?: string }).code)).toEqual([
      'ERR_WORKER_OUT_OF_MEMORY',
      'ERR_WORKER_OUT_OF_MEMORY',
    ]);
  });

  it('diffs two versions as the inline diff would, and omits the patch past its bounds', async () => {
    const threaded = parser({ inlineBelowCharacters: 0 });
    const input = {
      before: { name: 'checkout@v1', text: SMALL },
      after: { name: 'checkout@v2', text: specYaml('checkout', { max: 0.05 }) },
      maxChangedLines: 100,
      timeoutMs: 1000,
    };
    const patch = await threaded.patch(input);
    expect(patch).toBe(versionPatch(input));
    expect(patch).toContain('+      allowed: { max: 0.05 }');
    expect(await threaded.patch({ ...input, maxChangedLines: 0 })).toBeUndefined();
  });

  it('waits in a bounded queue: past it, 503 with Retry-After', async () => {
    const busy = parser({ threads: 1, queue: 1 });
    const large = largestSpec(DEFAULT_SPEC_SHAPE_LIMITS, 1024 * 1024);
    // One runs, one waits, the third finds the queue full.
    const [running, waiting, refused] = [
      busy.parse(large, 'yaml'),
      busy.parse(large, 'yaml'),
      busy.parse(large, 'yaml'),
    ];
    const error = await refusal(refused);
    expect(error.status).toBe(503);
    expect(error.retryAfterSeconds).toBe(1);
    expect(error.message).toMatch(/SPEC_PARSE_THREADS, SPEC_PARSE_QUEUE/);
    expect((await running).ok).toBe(true);
    expect((await waiting).ok).toBe(true);
  });
});
