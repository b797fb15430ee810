import { type ConnectionOptions, Queue } from 'bullmq';
import { defaultJobOptions, type JobName, type JobPayload, jobNames } from './catalog.ts';

/** The queue prefix carries a hash tag so every BullMQ key of a queue lands in one Redis Cluster slot. */
export const defaultQueuePrefix = '{rollout-guard}';

export type CatalogQueue<N extends JobName> = Queue<JobPayload<N>, unknown, N>;
export type Queues = { [N in JobName]: CatalogQueue<N> };

export interface QueueOptions {
  connection: ConnectionOptions;
  prefix?: string;
}

/** One BullMQ queue per job name of the catalog, each with the catalog's default job options. */
export function createQueues(options: QueueOptions): Queues {
  const entries = jobNames.map((name) => [
    name,
    new Queue(name, {
      connection: options.connection,
      prefix: options.prefix ?? defaultQueuePrefix,
      defaultJobOptions: defaultJobOptions(name),
    }),
  ]);
  return Object.fromEntries(entries) as Queues;
}

/** How long closing waits for a queue still connecting (Redis may be down: then it closes anyway). */
const READY_BEFORE_CLOSE_MS = 1_000;

/**
 * Closes every queue. A queue still connecting is given a moment to finish first: closing it
 * mid-connect leaves its start-up commands to reject unhandled ("Connection is closed").
 */
export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(
    Object.values(queues).map(async (queue) => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        queue.waitUntilReady().catch(() => undefined),
        new Promise((resolve) => {
          timer = setTimeout(resolve, READY_BEFORE_CLOSE_MS);
        }),
      ]);
      clearTimeout(timer);
      await queue.close();
    }),
  );
}
