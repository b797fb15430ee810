/**
 * `pnpm tsx test/bench/profile-summary.ts <file.cpuprofile> [top]`: where a V8 CPU profile's time went,
 * as shares of its samples by function (self time): the table BENCHMARKS.md quotes for a
 * `BENCH_PROFILE` run. The services run bundled (`dist/main.js`), so a function is named with its line
 * in the bundle; V8's own work has a name in brackets ("(garbage collector)", "(program)").
 */
import { readFileSync } from 'node:fs';
import { printTable } from './bench-kit.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}

/** A function's place, short: `main.js:120`, `snappy:4`, or nothing for V8's own work. */
function placeOf(node: ProfileNode): string {
  const { url, lineNumber } = node.callFrame;
  if (url === '') return '';
  const inSource =
    /services\/[^/]+\/src\/(.*)$/.exec(url)?.[1] ?? /node_modules\/(?:\.pnpm\/)?([^/]+)/.exec(url)?.[1];
  return `${inSource ?? url.replace(/^.*\//, '')}:${lineNumber + 1}`;
}

function summarise(profile: CpuProfile, top: number) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  for (const id of profile.samples) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const place = placeOf(node);
    const name = `${node.callFrame.functionName || '(anonymous)'}${place === '' ? '' : ` ${place}`}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + 1);
  }
  const total = profile.samples.length;
  const idle = byFunction.get('(idle)') ?? 0;
  const functions = [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([what, count]) => ({
      'self %': (count / total) * 100,
      // The main thread waiting (for Redis, for the next request) is "(idle)": shares of the rest say where work went.
      'of busy %': what === '(idle)' ? Number.NaN : (count / (total - idle)) * 100,
      function: what,
    }));
  return { total, functions };
}

const [file, top = '25'] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: tsx test/bench/profile-summary.ts <file.cpuprofile> [top]\n');
  process.exit(2);
}
const summary = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(top));
process.stdout.write(`${summary.total} samples\n`);
printTable('self time by function', summary.functions);
