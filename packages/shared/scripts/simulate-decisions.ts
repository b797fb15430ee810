// Runs the decision-quality simulations of STATISTICS.md §5 with more runs than the tests, and prints the
// tables recorded there. Seeded: the same output on every machine. `pnpm simulate:decisions [--quick]`
// (--quick: a tenth of the runs, to try a change; --part aa | power: one of the two tables). Takes several minutes on a quiet 2-core machine.
import {
  absoluteMeanAa,
  absoluteP99Aa,
  absoluteRatioAa,
  timeToRollback,
  trailingRatioAa,
} from '../src/decision/simulation-scenarios.ts';

const scale = process.argv.includes('--quick') ? 0.1 : 1;
const runs = (n: number) => Math.max(10, Math.round(n * scale));
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const secs = (x: number) => (Number.isFinite(x) ? `${x} s` : '> 1 h');
const started = Date.now();
const progress = (what: string) =>
  process.stderr.write(`${what} (${((Date.now() - started) / 60_000).toFixed(1)} min)\n`);

// --part aa | power: one half only (the two can run side by side)
const partIndex = process.argv.indexOf('--part');
const part = partIndex === -1 ? 'all' : process.argv[partIndex + 1];

if (part === 'all' || part === 'aa') {
  console.log('### A/A: absolute limits, the truth at two thirds of the limit, a decision every second\n');
  console.log('| scenario | runs × evaluations | interval rule (default) | value rule (`judge: value`) |');
  console.log('| --- | --- | --- | --- |');
  const aa: [string, number, string, (runs: number) => { interval: number; value: number }][] = [
    [
      'errors / requests 2 %, `max: 0.03`, 100 requests/s, 1 h',
      runs(1000),
      '3,600',
      (n) => absoluteRatioAa({ runs: n, seed: 20261206 }),
    ],
    [
      'the same, 20 requests/s',
      runs(500),
      '3,600',
      (n) => absoluteRatioAa({ runs: n, seed: 2020, perSecond: 20 }),
    ],
    [
      'the same, 100 requests/s, `consecutive: 3`',
      runs(500),
      '3,600',
      (n) => absoluteRatioAa({ runs: n, seed: 33, consecutive: 3 }),
    ],
    [
      'mean latency (Welch), `max` 1.5 × the true mean, 10 values/s, 1 h',
      runs(300),
      '3,600',
      (n) => absoluteMeanAa({ runs: n, seed: 4242 }),
    ],
    [
      'p99 latency (×1.2 buckets), `max` 1.5 × the true p99, 10 values/s, 1 h',
      runs(300),
      '3,600',
      (n) => absoluteP99Aa({ runs: n, seed: 99 }),
    ],
    [
      '`window: 1h` with restarts, errors 2 %, `max: 0.03`, 20 requests/s, 24 h',
      runs(100),
      '86,400',
      (n) => trailingRatioAa({ runs: n, seed: 2412, mode: 'restarts', perSecond: 20 }),
    ],
    [
      '`window: 1h` sliding (before restarts), the same data, 24 h',
      runs(100),
      '86,400',
      (n) => trailingRatioAa({ runs: n, seed: 2412, mode: 'sliding', perSecond: 20 }),
    ],
  ];
  for (const [name, n, evaluations, run] of aa) {
    const result = run(n);
    progress(name);
    console.log(`| ${name} | ${n} × ${evaluations} | ${pct(result.interval)} | ${pct(result.value)} |`);
  }
}

if (part === 'all' || part === 'power') {
  console.log(
    '\n### Power: median time to roll back, true error rate at a multiple of `max: 0.03` (1 h runs)\n',
  );
  console.log(
    '| true rate | events/s | interval rule: median (rolled back within 1 h) | value rule: median |',
  );
  console.log('| --- | --- | --- | --- |');
  for (const multiple of [1.1, 1.5, 2, 5]) {
    for (const perSecond of [10, 100, 1000]) {
      const r = timeToRollback({
        runs: runs(100),
        seed: 1000 + perSecond + multiple * 10,
        multiple,
        perSecond,
      });
      console.log(
        `| ${multiple}× (${(0.03 * multiple).toFixed(3)}) | ${perSecond} | ${secs(r.intervalMedian)} (${pct(r.intervalShare)}) | ${secs(r.valueMedian)} |`,
      );
    }
  }

  const two = timeToRollback({ runs: runs(1000), seed: 7, multiple: 2, perSecond: 100, seconds: 300 });
  console.log(
    `\n2× the limit (0.06 against max 0.03) at 100 requests/s, ${runs(1000)} runs: rolled back within 2 minutes in ` +
      `${pct(two.intervalWithin2Min)} (median ${two.intervalMedian} s).`,
  );
}
console.log(`\n(${((Date.now() - started) / 60_000).toFixed(1)} min)`);
