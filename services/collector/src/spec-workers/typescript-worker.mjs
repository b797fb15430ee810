// The worker thread's module when the collector runs from source (tsx, the tests): Node 20's worker
// threads do not inherit the tsx loader of the thread that starts them, so this registers it first.
// The built collector runs spec-worker.js, bundled beside it, and never loads this file.
import { register } from 'tsx/esm/api';

register();
export const { parse, patch } = await import('./spec-worker.ts');
