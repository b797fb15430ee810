import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes one JSON object per line with time, level word, service and message', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ service: 'collector', destination });
    logger.info({ port: 4318 }, 'listening');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ level: 'info', service: 'collector', port: 4318, msg: 'listening' });
    expect(new Date(line.time).toISOString()).toBe(line.time);
  });

  it('drops lines below its level', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ service: 'evaluator', level: 'warn', destination });
    logger.info('hidden');
    logger.warn('shown');
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(['shown']);
  });

  it('never writes secrets or tokens', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ service: 'evaluator', destination });
    logger.info(
      { target: { url: 'https://x', secret: 'whsec_abc' }, req: { headers: { authorization: 'Bearer t' } } },
      'x',
    );
    expect(lines[0]).not.toContain('whsec_abc');
    expect(lines[0]).not.toContain('Bearer t');
  });
});
