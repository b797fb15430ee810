import { z } from 'zod';
import { parseRedisUrl, RedisUrlError } from '../redis/redis-url.ts';

/**
 * Field schemas that several services' env.ts share. Each message says what was wrong and what
 * would be right, because the reader is an operator looking at a crash loop.
 */

export function port(defaultPort: number) {
  return z
    .string()
    .default(String(defaultPort))
    .transform((value, context) => {
      const parsed = Number(value);
      if (!/^\d+$/.test(value) || parsed > 65535) {
        context.addIssue({
          code: 'custom',
          message: `"${value}" is not a port; expected a whole number from 0 to 65535 (0 picks a free one)`,
        });
        return z.NEVER;
      }
      return parsed;
    });
}

export function positiveInteger(defaultValue: number, unit: string) {
  return z
    .string()
    .default(String(defaultValue))
    .transform((value, context) => {
      const parsed = Number(value);
      if (!/^\d+$/.test(value) || parsed < 1 || !Number.isSafeInteger(parsed)) {
        context.addIssue({ code: 'custom', message: `"${value}" is not a positive whole number of ${unit}` });
        return z.NEVER;
      }
      return parsed;
    });
}

export const host = z
  .string()
  .default('127.0.0.1')
  .refine((value) => /^[A-Za-z0-9.:_-]+$/.test(value), {
    error: (issue) =>
      `"${String(issue.input)}" is not a host or IP address to listen on, like 127.0.0.1 or 0.0.0.0`,
  });

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const logLevel = z
  .string()
  .default('info')
  .transform((value) => value.toLowerCase())
  .pipe(
    z.enum(LOG_LEVELS, {
      error: (issue) =>
        `"${String(issue.input)}" is not a log level; expected one of ${LOG_LEVELS.join(', ')}`,
    }),
  );

export const redisUrl = z
  .string()
  .default('redis://127.0.0.1:6379')
  .superRefine((value, context) => {
    try {
      parseRedisUrl(value);
    } catch (error) {
      if (!(error instanceof RedisUrlError)) throw error;
      context.addIssue({ code: 'custom', message: error.message });
    }
  });
