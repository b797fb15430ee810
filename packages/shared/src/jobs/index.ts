export {
  checkpointPayload,
  defaultJobOptions,
  deliverPayload,
  evaluatePayload,
  type JobName,
  type JobPayload,
  jobCatalog,
  jobNames,
  pollPromqlPayload,
} from './catalog.ts';
export {
  EVALUATE_PRIORITY,
  type EvaluateReason,
  enqueueDeliver,
  enqueueEvaluate,
  scheduleCheckpoint,
} from './enqueue.ts';
export { checkpointJobId, deliverJobId, pollPromqlSchedulerId } from './job-ids.ts';
export { parsePayload } from './payload.ts';
export { type CatalogQueue, closeQueues, createQueues, defaultQueuePrefix, type Queues } from './queues.ts';
