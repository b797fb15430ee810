import { setFlagsFromString } from 'node:v8';
import { runService } from '@rollout-guard/shared/runtime';
import { loadEnv } from './env.ts';
import { startCollector } from './server.ts';

/*
 * The old generation may grow by half between full collections. Ingest promotes tens of MB/s (every
 * batch's series states go into the collector's state cache; the previous ones die in old space), and
 * for a heap this small V8 sets the next limit only a few MB above the live heap: a full mark of the
 * ≈ 40 MB live heap every couple of hundred milliseconds, a fifth of the main thread under full
 * remote-write load. Growing by half saves about a fifth of the CPU per sample for ≈ 20 MB of RSS;
 * doubling saved a little more but took the RSS peak to the 256 MB target (BENCHMARKS.md). V8 reads
 * the factor whenever it sets the next limit, so setting it here, before any load, applies throughout.
 */
setFlagsFromString('--heap-growing-percent=50');

await runService({ service: 'collector', loadEnv: () => loadEnv(), start: startCollector });
