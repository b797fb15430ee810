export { type CreateLoggerOptions, createLogger, type Logger } from './logger.ts';
export { type CreateMetricsOptions, createMetricsRegistry } from './metrics.ts';
