import { EnvError } from '../config/parse-env.ts';
import type { Logger } from '../observability/logger.ts';
import { handleShutdown, type ShutdownStep } from './shutdown.ts';

/** What a started service hands back so that its process can be stopped in order. */
export interface RunningService {
  logger: Logger;
  /** Flips readiness to 503 the moment a signal arrives. */
  markShuttingDown(): void;
  shutdownSteps(): ShutdownStep[];
}

export interface RunServiceOptions<Env extends { SHUTDOWN_TIMEOUT_MS: number }> {
  /** `collector`, `evaluator`: used when no logger exists yet. */
  service: string;
  loadEnv: () => Env;
  start: (env: Env) => Promise<RunningService>;
}

/**
 * A service process's entry: load the environment, start, stop in order on SIGTERM/SIGINT.
 * A bad environment is one readable message on stderr and exit 1; any other start failure
 * (port taken…) one JSON line and exit 1.
 */
export async function runService<Env extends { SHUTDOWN_TIMEOUT_MS: number }>(
  options: RunServiceOptions<Env>,
): Promise<void> {
  // A signal while the service is still starting (connecting, registering workers) is held and
  // acted on once it has started, so it still stops in order and exits 0.
  let early: NodeJS.Signals | undefined;
  const hold = (signal: NodeJS.Signals) => {
    early ??= signal;
  };
  process.on('SIGTERM', hold);
  process.on('SIGINT', hold);
  let logger: Pick<Logger, 'fatal'> | undefined;
  // A promise nobody awaited, or an exception nobody caught, leaves the process in a state no code
  // planned for: say what it was on the service's log, then exit non-zero so the supervisor restarts it.
  const die = (kind: string) => (error: unknown) => {
    if (logger) logger.fatal({ err: error }, `${kind}; exiting`);
    else
      process.stderr.write(
        `${JSON.stringify({ level: 'fatal', service: options.service, msg: `${kind}; exiting`, err: String(error) })}\n`,
      );
    process.exit(1);
  };
  process.on('unhandledRejection', die('unhandled promise rejection'));
  process.on('uncaughtException', die('uncaught exception'));
  try {
    const env = options.loadEnv();
    const running = await options.start(env);
    logger = running.logger;
    handleShutdown({
      logger: running.logger,
      onSignal: running.markShuttingDown,
      steps: running.shutdownSteps(),
      // Room for the last steps after the HTTP grace period, under the usual 5 s before SIGKILL.
      deadlineMs: env.SHUTDOWN_TIMEOUT_MS + 1500,
    });
    // Only now let go of the holding listeners. Removing a signal's last listener closes Node's
    // handle for it, and a signal already caught by that handle but not yet dispatched would be
    // lost: the process would keep running. With the shutdown listeners added first, the handle
    // stays open and such a signal reaches them.
    process.off('SIGTERM', hold);
    process.off('SIGINT', hold);
    if (early !== undefined) process.emit(early, early);
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      const line = { level: 'fatal', service: options.service, msg: 'failed to start', err: String(error) };
      process.stderr.write(`${JSON.stringify(line)}\n`);
    }
    process.exit(1);
  }
}
