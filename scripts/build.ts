/**
 * `pnpm build`: services/collector/dist/main.js and services/evaluator/dist/main.js, run with
 * `node services/<name>/dist/main.js` (plus the flags in scripts/service-node-flags.ts).
 * `pnpm start`, the demo and the benchmarks build on their own; this is for running a service alone.
 */
import { buildServices, builtEntry, SERVICE_NAMES } from './build-services.ts';

const started = performance.now();
await buildServices();
process.stdout.write(
  `built ${SERVICE_NAMES.map(builtEntry).join(', ')} in ${Math.round(performance.now() - started)} ms\n`,
);
