import type { Logger } from 'pino';

export interface ShutdownStep {
  /** Logged as the step runs, e.g. "http server", "redis". */
  name: string;
  run: () => Promise<void>;
}

export interface ShutdownOptions {
  logger: Logger;
  /** Called first, synchronously: flips readiness to 503. */
  onSignal?: () => void;
  /** Run in order: the HTTP server first (no new work), then workers, then Redis last. */
  steps: ShutdownStep[];
  /** After this, exit 1 whatever is still running: an orchestrator's kill is coming anyway. */
  deadlineMs: number;
  exit?: (code: number) => void;
}

/**
 * SIGTERM or SIGINT → the steps in order → exit 0. A second signal, a failing step or the
 * deadline → exit 1, so a stuck shutdown is visible in the exit code instead of hanging.
 */
export function handleShutdown(options: ShutdownOptions): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;

  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      options.logger.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    options.onSignal?.();
    options.logger.info({ signal }, 'shutting down');
    const watchdog = setTimeout(() => {
      options.logger.error({ deadlineMs: options.deadlineMs }, 'shutdown took too long: exiting');
      exit(1);
    }, options.deadlineMs);
    watchdog.unref();
    let failed = false;
    for (const step of options.steps) {
      try {
        await step.run();
        options.logger.debug({ step: step.name }, 'closed');
      } catch (error) {
        failed = true;
        options.logger.error({ step: step.name, err: error }, 'failed to close cleanly');
      }
    }
    clearTimeout(watchdog);
    options.logger.info('stopped');
    exit(failed ? 1 : 0);
  };

  // `on`, not `once`: a second signal must reach stop() rather than Node's default handler.
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
