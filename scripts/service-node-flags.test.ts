import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SERVICE_NODE_FLAGS } from './service-node-flags.ts';

const heapLimitMiB = (flags: readonly string[]) => {
  const run = spawnSync(
    process.execPath,
    [...flags, '-e', 'console.log(require("v8").getHeapStatistics().heap_size_limit / 2 ** 20)'],
    { encoding: 'utf8' },
  );
  expect(run.stderr).toBe('');
  return Number(run.stdout);
};

describe('SERVICE_NODE_FLAGS', () => {
  it('caps the collector heap near 192 MiB of old space, where node accepts the flags', () => {
    const limit = heapLimitMiB(SERVICE_NODE_FLAGS.collector);
    expect(limit).toBeGreaterThanOrEqual(192);
    expect(limit).toBeLessThan(256);
  });

  it('lets a flag given after them raise the cap', () => {
    expect(
      heapLimitMiB([...SERVICE_NODE_FLAGS.collector, '--max-old-space-size=512']),
    ).toBeGreaterThanOrEqual(512);
  });
});
