import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../observability/logger.ts';

/** One JSON log line as the services write it: `level` is the label (`warn`), `msg` the message. */
export type LogLine = { readonly level: string; readonly msg: string } & Record<string, unknown>;

/** A service's logger whose lines a test reads back, parsed, in `lines`. */
export function capturedLogger(service: string): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as LogLine);
      done();
    },
  });
  return { logger: createLogger({ service, destination }), lines };
}
