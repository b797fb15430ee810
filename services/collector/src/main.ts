import { EnvError } from '@rollout-guard/shared/config';
import { handleShutdown } from '@rollout-guard/shared/runtime';
import { loadEnv } from './env.ts';
import { startCollector } from './server.ts';

// The collector's process entry: configuration errors are one readable message on stderr and
// exit 1; anything else unexpected is logged as JSON and exits 1 too.
try {
  const env = loadEnv();
  const collector = await startCollector(env);
  handleShutdown({
    logger: collector.logger,
    onSignal: collector.markShuttingDown,
    steps: collector.shutdownSteps(),
    // Leave room under the usual 5 s (and Kubernetes' 30 s) before a SIGKILL.
    deadlineMs: env.SHUTDOWN_TIMEOUT_MS + 1500,
  });
} catch (error) {
  if (error instanceof EnvError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `${JSON.stringify({ level: 'fatal', service: 'collector', msg: 'failed to start', err: String(error) })}\n`,
    );
  }
  process.exit(1);
}
