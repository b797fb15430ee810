import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonLine, type SpawnedProcess, spawnTs } from '../testing/spawn-process.ts';

const fixture = fileURLToPath(new URL('./run-service.fixture.ts', import.meta.url));
const processes: SpawnedProcess[] = [];
afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.kill()));
});

function run(startMs: number, failWith = '') {
  const service = spawnTs({
    args: [fixture],
    env: { ...process.env, START_MS: String(startMs), FAIL_WITH: failWith },
  });
  processes.push(service);
  return service;
}
// Sorted: a pipe under load may reorder lines written microseconds apart; what matters is each was written.
const messages = (service: SpawnedProcess) => service.lines.map((line) => String(jsonLine(line)?.msg)).sort();
const STOPPED_CLEANLY = ['not ready', 'shutting down', 'started', 'starting', 'stopped'];

describe('runService', () => {
  // Repeated: a SIGTERM sent the instant "started" is written once fell into the moment the
  // start-up listeners were swapped for the shutdown ones, was lost, and the process ran on.
  it.each([1, 2, 3, 4, 5])('stops in order and exits 0 on SIGTERM once started (run %i)', async () => {
    const service = run(0);
    await service.waitForLine((line) => jsonLine(line)?.msg === 'started');
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(messages(service)).toEqual(STOPPED_CLEANLY);
  });

  it.each([
    ['rejection', 'unhandled promise rejection; exiting', 'nobody awaited this'],
    ['exception', 'uncaught exception; exiting', 'nobody caught this'],
  ])('logs an unhandled %s through the service logger, then exits 1', async (failWith, msg, detail) => {
    const service = run(0, failWith);
    expect(await service.exited).toBe(1);
    const fatal = service.lines.map((line) => jsonLine(line)).find((line) => line?.msg === msg);
    expect(fatal).toMatchObject({ level: 'fatal', service: 'fixture', err: { message: detail } });
  });

  it('holds a SIGTERM that arrives while starting, then stops in order with exit 0', async () => {
    const service = run(1000);
    await service.waitForLine((line) => jsonLine(line)?.msg === 'starting');
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(messages(service)).toEqual(STOPPED_CLEANLY);
  });
});
