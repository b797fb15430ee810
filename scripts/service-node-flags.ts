/**
 * Node flags each service is started with, by `pnpm start`, the demo and the benchmarks alike.
 *
 * The collector allocates fast under ingest and V8 grows its heap to match: uncapped it peaked at
 * 450 MiB resident in `pnpm bench:ingest` while holding little (a few thousand series of state).
 * A capped old space makes V8 collect sooner instead of growing, at no cost in throughput; smaller
 * semi-spaces cut a little more but halved OTLP throughput. See docs/benchmarks-history.md ("Fixes, before and
 * after") for the figures. Measured again on the precompiled collector (services/<name>/dist, see
 * build-services.ts; docs/benchmarks-history.md, "Precompiled services"): semi-space caps and a 128 MiB old space
 * did not lower the peak beyond the noise, and the semi-space caps still cost OTLP throughput, so
 * the cap stays as it was. Flags given later on the command line
 * win, so a deployment that needs more heap passes its own `--max-old-space-size` after these.
 * (The collector also turns V8's pretenuring off itself, at start: services/collector/src/main.ts.
 * Semi-spaces of 32 MiB then saved about a twentieth of its main thread under full remote-write load,
 * but took the RSS peak of a full `pnpm bench:ingest` run to 238 MiB, too near the target.
 * Semi-spaces of 8 MiB, tried again against the series-8000 and default shapes, took 13 MiB off the
 * peak and cost 12% more CPU per sample on series-8000 (5.14 against 4.59 µs) in back-to-back runs on
 * a loaded machine; the peak came down instead by holding less per remembered series:
 * services/collector/src/ingest/README.md, "What ingest remembers".)
 */
export const SERVICE_NODE_FLAGS: Readonly<Record<'collector' | 'evaluator', readonly string[]>> = {
  collector: ['--max-old-space-size=192'],
  evaluator: [],
};

/**
 * Environment variables each service is started with, by the same starters, under whatever the
 * operator's environment sets (theirs win, as later node flags do). The image's entrypoint
 * (deploy/docker-entrypoint.sh, which Compose and Kubernetes run) and the systemd units set the same.
 *
 * `MALLOC_ARENA_MAX=2`: glibc's malloc gives each thread that allocates (the main thread, V8's GC
 * helpers, libuv's pool) an arena of its own, up to eight per core, and each keeps what was freed in
 * it. With two, the collector's other arenas held 4-8 MiB under `BENCH_SHAPES=all pnpm
 * bench:ingest` instead of 7-13 MiB (read from /proc/<pid>/smaps). The run's peak itself, which the
 * V8 heap sets, moved less than it varies from run to run (244-260 MiB with it, 250-256 MiB without,
 * in alternating runs), at no cost in CPU per sample. services/collector/src/ingest/README.md ("What
 * ingest remembers") says what the rest of the resident memory is.
 */
export const SERVICE_ENVIRONMENT: Readonly<
  Record<'collector' | 'evaluator', Readonly<Record<string, string>>>
> = {
  collector: { MALLOC_ARENA_MAX: '2' },
  evaluator: {},
};
