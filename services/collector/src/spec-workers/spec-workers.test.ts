import { DEFAULT_SPEC_SHAPE_LIMITS, parseEnvAllowlist, parseSpec } from '@rollout-guard/shared/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { specYaml } from '../api/api-test-kit.ts';
import { AppError } from '../errors.ts';
import { largestSpec } from './largest-spec.ts';
import { versionPatch } from './spec-worker.ts';
import { createSpecWorkers, type SpecWorkers, type SpecWorkersSettings } from './spec-workers.ts';

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
