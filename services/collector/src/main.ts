import { setFlagsFromString } from 'node:v8';
import { runService } from '@rollout-guard/shared/runtime';
import { loadEnv } from './env.ts';
import { startCollector } from './server.ts';

/*
 * Objects stay in the young generation where they are made. Otherwise V8 starts making the objects of
 * a literal straight in old space ("pretenuring") once most of them survive a young collection, and an
 * ingest request's objects do: they live across its Redis round trip. They die with the request, so
 * in old space they only fill it: under full remote-write load, a full mark-compact of the ≈ 40 MB
 * live heap every ≈ 250 ms (32 in one run, 9 without pretenuring; docs/benchmarks-history.md). V8 consults the flag
 * whenever it weighs pretenuring, so setting it here, before any load, applies throughout.
 */
setFlagsFromString('--no-allocation-site-pretenuring');

await runService({ service: 'collector', loadEnv: () => loadEnv(), start: startCollector });
