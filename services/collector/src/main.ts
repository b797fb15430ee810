import { setFlagsFromString } from 'node:v8';
import { runService } from '@rollout-guard/shared/runtime';
import { loadEnv } from './env.ts';
import { startCollector } from './server.ts';

/*
 * The old generation may double between full collections (V8 picks a factor nearer 1.1–1.5 for a
 * heap this small). Ingest promotes tens of MB/s: every batch's series states go into the collector's
 * state cache, and the previous ones die in old space. With V8's own factor that is a full mark of the
 * ≈ 40 MB live heap every few hundred milliseconds, a fifth of the main thread under full remote-write
 * load; doubling costs ≈ 30 MB of RSS and a quarter of the CPU per sample (BENCHMARKS.md). V8 reads
 * the factor whenever it sets the next limit, so setting it here, before any load, applies from the start.
 */
setFlagsFromString('--heap-growing-percent=100');

await runService({ service: 'collector', loadEnv: () => loadEnv(), start: startCollector });
