// A service whose start takes a while, run as a real process by run-service.test.ts.
import { createLogger } from '../observability/logger.ts';
import { runService } from './run-service.ts';

await runService({
  service: 'fixture',
  loadEnv: () => ({ SHUTDOWN_TIMEOUT_MS: 1000, START_MS: Number(process.env.START_MS ?? '0') }),
  start: async (env) => {
    const logger = createLogger({ service: 'fixture' });
    logger.info('starting');
    await new Promise((resolve) => setTimeout(resolve, env.START_MS));
    logger.info('started');
    // Keeps the process alive the way a listening server would.
    const alive = setInterval(() => {}, 1000);
    if (process.env.FAIL_WITH === 'rejection') void Promise.reject(new Error('nobody awaited this'));
    if (process.env.FAIL_WITH === 'exception') {
      setTimeout(() => {
        throw new Error('nobody caught this');
      }, 10);
    }
    return {
      logger,
      markShuttingDown: () => logger.info('not ready'),
      shutdownSteps: () => [{ name: 'timer', run: async () => clearInterval(alive) }],
    };
  },
});
