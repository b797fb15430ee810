/**
 * `pnpm bench:spec-parse`: what parsing a spec costs the collector's event loop, inline and through a
 * worker thread, by size. The event loop's busy time (eventLoopUtilization) is what holds up ingest and
 * `/readyz`; the latency is what the client waits. The collector parses inline below the size where
 * the hop stops paying (INLINE_BELOW_CHARACTERS in services/collector/src/spec-workers/spec-workers.ts).
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_SPEC_SHAPE_LIMITS, parseEnvAllowlist, parseSpec } from '@rollout-guard/shared/spec';
import { largestSpec } from '../../services/collector/src/spec-workers/largest-spec.ts';
import {
  createSpecWorkers,
  DEFAULT_MAX_HEAP_MB,
} from '../../services/collector/src/spec-workers/spec-workers.ts';
import { machine, machineText, printTable } from './bench-kit.ts';

const SIZES = [1_024, 2_048, 4_096, 8_192, 16_384, 65_536, 262_144, 1_048_576];
/** Parses measured per size and way: enough for about a second of the smallest, a few of the largest. */
const runsFor = (bytes: number) => Math.max(3, Math.round(400_000 / bytes));

const envAllowed = parseEnvAllowlist('ROLLBACK_SECRET');
const limits = DEFAULT_SPEC_SHAPE_LIMITS;
/** A valid spec of about `bytes` shaped as the largest one: labels, its keys scaled with its size. */
const labelled = (bytes: number) =>
  largestSpec({ ...limits, maxKeys: Math.max(30, Math.round((limits.maxKeys * bytes) / 1_048_576)) }, bytes);
/** A valid spec of about `bytes` of guardrails, the densest to validate (5,000 keys at about 64 KB). */
function guarded(bytes: number): string {
  const head = labelled(0).split('\n  guardrails:')[0] ?? '';
  const lines: string[] = [];
  let size = head.length;
  for (let i = 0; size < bytes - 200; i++) {
    const line = `    - { name: check-${i}, metric: latency_seconds_${i}, aggregate: p99, allowed: { max: 2 } }`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${head}\n  guardrails:\n${lines.join('\n')}\n  actions:\n    rollback: [{ url: "https://flags.internal/off", secret: "env:ROLLBACK_SECRET" }]\n`;
}

async function measure(runs: number, parse: () => Promise<unknown>) {
  await parse(); // warm: the worker started, the code compiled
  const before = performance.eventLoopUtilization();
  const started = performance.now();
  for (let run = 0; run < runs; run++) await parse();
  const elapsed = performance.now() - started;
  const busy = performance.eventLoopUtilization(before);
  return { busyMs: (busy.active / runs) as number, latencyMs: elapsed / runs };
}

const threaded = createSpecWorkers({
  threads: 1,
  queue: 4,
  timeoutMs: 60_000,
  maxHeapMb: DEFAULT_MAX_HEAP_MB,
  limits,
  envAllowed,
  inlineBelowCharacters: 0,
});
const rows: Record<string, string | number>[] = [];
const specs = [
  ...SIZES.map((bytes) => ['labels', labelled(bytes)] as const),
  ...SIZES.filter((bytes) => bytes <= 65_536).map((bytes) => ['guardrails', guarded(bytes)] as const),
];
for (const [shape, text] of specs) {
  const bytes = Buffer.byteLength(text);
  const runs = runsFor(bytes);
  const inline = await measure(runs, async () => parseSpec(text, { format: 'yaml', limits, envAllowed }));
  const worker = await measure(runs, () => threaded.parse(text, 'yaml'));
  rows.push({
    shape,
    bytes,
    runs,
    'inline: event loop ms': inline.busyMs,
    'worker: event loop ms': worker.busyMs,
    'inline: latency ms': inline.latencyMs,
    'worker: latency ms': worker.latencyMs,
  });
}
await threaded.close();
process.stdout.write(`${machineText(machine())}\n`);
printTable('Parsing one spec: event-loop time and latency, inline and in a worker thread', rows);
