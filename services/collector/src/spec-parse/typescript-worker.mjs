// A worker thread's module run from source (tsx, the tests): Node 20's worker threads do not inherit
// the tsx loader of the thread that starts them, so this registers it, then loads the TypeScript module
// piscina was given as workerData. The built collector runs its bundled .js worker and never loads this.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const worker = await import(workerData.typescriptModule);
export default worker.default;
