import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../observability/logger.ts';
import { handleShutdown } from './shutdown.ts';

const silent = createLogger({
  service: 'test',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, d) => d() }),
});
const before = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };

afterEach(() => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    for (const listener of process.listeners(signal)) {
      if (!before[signal].includes(listener)) process.off(signal, listener);
    }
  }
});

function exitCode(): { code: Promise<number>; exit: (code: number) => void } {
  let exit!: (code: number) => void;
  const code = new Promise<number>((resolve) => {
    exit = resolve;
  });
  return { code, exit };
}

describe('handleShutdown', () => {
  it('runs the steps in order on SIGTERM, after flipping readiness, then exits 0', async () => {
    const order: string[] = [];
    const { code, exit } = exitCode();
    handleShutdown({
      logger: silent,
      deadlineMs: 1000,
      exit,
      onSignal: () => order.push('not ready'),
      steps: [
        { name: 'http', run: async () => void order.push('http') },
        { name: 'redis', run: async () => void order.push('redis') },
      ],
    });
    process.emit('SIGTERM');
    expect(await code).toBe(0);
    expect(order).toEqual(['not ready', 'http', 'redis']);
  });

  it('exits 1 when a step fails, after still running the others', async () => {
    const ran: string[] = [];
    const { code, exit } = exitCode();
    handleShutdown({
      logger: silent,
      deadlineMs: 1000,
      exit,
      steps: [
        { name: 'http', run: () => Promise.reject(new Error('boom')) },
        { name: 'redis', run: async () => void ran.push('redis') },
      ],
    });
    process.emit('SIGINT');
    expect(await code).toBe(1);
    expect(ran).toEqual(['redis']);
  });

  it('exits 1 at the deadline when a step hangs', async () => {
    const { code, exit } = exitCode();
    handleShutdown({
      logger: silent,
      deadlineMs: 50,
      exit,
      steps: [{ name: 'stuck', run: () => new Promise(() => {}) }],
    });
    process.emit('SIGTERM');
    expect(await code).toBe(1);
  });

  it('exits 1 at once on a second signal', async () => {
    const { code, exit } = exitCode();
    handleShutdown({
      logger: silent,
      deadlineMs: 5000,
      exit,
      steps: [{ name: 'stuck', run: () => new Promise(() => {}) }],
    });
    process.emit('SIGTERM');
    process.emit('SIGTERM');
    expect(await code).toBe(1);
  });
});
