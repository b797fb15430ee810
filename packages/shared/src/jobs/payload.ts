import { UnrecoverableError } from 'bullmq';
import { type JobName, type JobPayload, jobCatalog } from './catalog.ts';

/**
 * Validates a payload taken off a queue. Whatever sits in Redis may have been written by another version
 * or by hand, so it is checked again; a payload that does not fit can never succeed, so it is not retried.
 */
export function parsePayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  const result = jobCatalog[name].payload.safeParse(data);
  if (result.success) return result.data as JobPayload<N>;
  const problems = result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(payload)'}: ${issue.message}`)
    .join('; ');
  throw new UnrecoverableError(`invalid ${name} job payload: ${problems}`);
}
