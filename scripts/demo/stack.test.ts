import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { argumentsOf, environmentOf } from '../../packages/shared/src/testing/index.ts';
import { SERVICE_ENVIRONMENT, SERVICE_NODE_FLAGS } from '../service-node-flags.ts';
import { type Stack, startStack } from './stack.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function collectorStack(nodeArgs: readonly string[] = []): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rg-stack-test-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const stack = await startStack({
    root,
    dataDir,
    collectorPort: 0,
    env: { LOG_LEVEL: 'warn' },
    services: ['collector'],
    nodeArgs: { collector: nodeArgs },
  });
  cleanups.push(() => stack.stop());
  return stack;
}

describe('startStack (the demo and the benchmarks)', () => {
  it('starts the collector with the project node flags, then its own, and the project service environment', async () => {
    const stack = await collectorStack(['--max-old-space-size=200']);
    const pid = stack.pids.collector ?? 0;
    const argv = argumentsOf(pid);
    expect(argv.slice(1, 1 + SERVICE_NODE_FLAGS.collector.length + 1)).toEqual([
      ...SERVICE_NODE_FLAGS.collector,
      '--max-old-space-size=200',
    ]);
    expect(environmentOf(pid)).toMatchObject(SERVICE_ENVIRONMENT.collector);
  });
});
