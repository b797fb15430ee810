import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

export interface CreateLoggerOptions {
  /** `service` on every line: collector and evaluator logs are read interleaved. */
  service: string;
  level?: LoggerOptions['level'];
  /** Where lines go; stdout by default (tests pass a stream to read them). */
  destination?: DestinationStream;
}

/**
 * The one logger factory: JSON lines on stdout with an ISO timestamp and the level as a word,
 * which log shippers and `jq` read without pino-specific knowledge.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const pinoOptions: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Never let a token or a webhook secret reach a log line, even when a whole request is logged.
    redact: {
      paths: ['req.headers.authorization', '*.headers.authorization', '*.secret', '*.token', '*.password'],
      censor: '[redacted]',
    },
  };
  return options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination);
}
