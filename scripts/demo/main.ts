/**
 * `pnpm demo`: the contact-center copilot's release in about two minutes (examples/contact-center-copilot.demo.yaml).
 * Prints the timeline as it happens, with a progress indicator while a wave bakes on a terminal
 * (plain lines otherwise), and stops everything it started on exit, also on Ctrl-C.
 */
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { styleText } from 'node:util';
import { DemoAborted, type DemoStatus, runDemo } from './run-demo.ts';
import { formatEvent, formatProgress, PLAIN, type Style } from './timeline.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = process.stdout;
const tty = out.isTTY === true;
const colour = tty && process.env.NO_COLOR === undefined;
const style: Style = colour
  ? {
      bold: (t) => styleText('bold', t),
      dim: (t) => styleText('dim', t),
      good: (t) => styleText('green', t),
      bad: (t) => styleText('red', t),
    }
  : PLAIN;

// The README's links name the collector's default port; take it when it is free.
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

let status: DemoStatus | undefined;
let frame = 0;
let progressShown = false;
const clearProgress = () => {
  if (progressShown) out.write('\r\x1b[2K');
  progressShown = false;
};
const drawProgress = () => {
  if (!tty || status === undefined) return;
  const line = formatProgress(status, Date.now(), frame++);
  out.write(`\r\x1b[2K${line.slice(0, (out.columns || 120) - 1)}`);
  progressShown = true;
};
const spinner = tty ? setInterval(drawProgress, 100) : undefined;

const controller = new AbortController();
let interrupted = false;
// The terminal's Ctrl-C reaches pnpm, tsx and this process; the first one starts the orderly stop.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    clearProgress();
    out.write(`\n${sig}: stopping everything the demo started…\n`);
    controller.abort();
  });
}

out.write(
  `${style.bold('rollout-guard demo')}: releasing an AI copilot to a contact center in waves (25% → 50%), judged live\n\n`,
);
const keep = process.argv.includes('--keep');
let code = 0;
try {
  const result = await runDemo({
    root,
    redisUrl: process.env.REDIS_URL,
    collectorPort: (await portFree(4318)) ? 4318 : 0,
    signal: controller.signal,
    onEvent: (event) => {
      if (event.kind === 'stopped') status = undefined;
      const lines = formatEvent(event, style);
      if (lines.length === 0) return;
      clearProgress();
      out.write(`${lines.join('\n')}\n`);
      drawProgress();
    },
    onProgress: (next) => {
      status = next;
    },
    ...(keep
      ? {
          keepRunning: (signal) => {
            status = undefined;
            clearProgress();
            out.write('\n--keep: the services stay up (open the report above); Ctrl-C stops everything\n');
            return new Promise<void>((resolve) => {
              if (signal?.aborted) resolve();
              signal?.addEventListener('abort', () => resolve(), { once: true });
            });
          },
        }
      : {}),
  });
  clearProgress();
  out.write(
    keep
      ? '\nDone.\n'
      : `\nDone. The report is saved as ${result.reportFile}; \`pnpm demo --keep\` keeps the services up after the rollback so ${result.reportUrl} stays open until Ctrl-C.\n`,
  );
} catch (error) {
  clearProgress();
  if (error instanceof DemoAborted || interrupted) {
    out.write('demo interrupted; everything it started is stopped\n');
  } else {
    process.stderr.write(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    code = 1;
  }
} finally {
  if (spinner !== undefined) clearInterval(spinner);
}
process.exitCode = code;
