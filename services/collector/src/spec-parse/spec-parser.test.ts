import { DEFAULT_SPEC_SHAPE_LIMITS, parseEnvAllowlist, parseSpec } from '@rollout-guard/shared/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { largestSpec } from './largest-spec.ts';
import { createSpecParser, type SpecParser, type SpecParserSettings } from './spec-parser.ts';

const SMALL = `apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: checkout }
spec:
  flag: new-checkout
  waves: [{ percent: 50, bake: 1h }, { percent: 100, bake: 1h }]
  guardrails:
    - { name: errors, metric: { ratio: { numerator: errors_total, denominator: requests_total } }, allowed: { max: 0.05 } }
  actions:
    rollback: [{ url: "https://flags.internal/off", secret: "env:ROLLBACK_SECRET" }]
`;

const parsers: SpecParser[] = [];
afterEach(async () => {
  await Promise.all(parsers.splice(0).map((parser) => parser.close()));
});

function parser(settings: Partial<SpecParserSettings> = {}): SpecParser {
  const created = createSpecParser({
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

describe('a spec parsed in a worker thread', () => {
  it('comes back as the inline parse would give it, valid or not', async () => {
    const threaded = parser({ inlineBelowCharacters: 0 });
    const envAllowed = parseEnvAllowlist('ROLLBACK_SECRET');
    expect(await threaded.parse(SMALL, 'yaml')).toStrictEqual(
      parseSpec(SMALL, { format: 'yaml', envAllowed }),
    );
    const unknownVariable = SMALL.replace('env:ROLLBACK_SECRET', 'env:REDIS_URL');
    const refused = await threaded.parse(unknownVariable, 'yaml');
    expect(refused.ok).toBe(false);
    expect(refused).toStrictEqual(parseSpec(unknownVariable, { format: 'yaml', envAllowed }));
  });

  it('is the largest allowed spec parsed whole, every key reported', async () => {
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
