// Runs the distribution check's simulations of STATISTICS.md §3 with more runs than the tests, and prints the
// tables recorded there. Seeded: the same output on every machine. `pnpm simulate:distribution [--quick]`
// (--quick: a tenth of the runs, to try a change). Takes about half an hour on a busy 2-core machine.
import { SCENARIOS, type ScenarioName } from '../src/stats/distribution-scenarios.ts';
import { GUARDRAILS, simulateScenario } from '../src/stats/distribution-simulation.ts';

const scale = process.argv.includes('--quick') ? 0.1 : 1;
const runs = (n: number) => Math.max(4, Math.round(n * scale));
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const started = Date.now();
const progress = (what: string) =>
  process.stderr.write(`${what} (${((Date.now() - started) / 60_000).toFixed(1)} min)\n`);
const RATES = [10, 100, 1000] as const;

console.log('### A/A: the same distribution in both cohorts, judged every second for an hour\n');
console.log('| observations/s per cohort | runs × evaluations | false breaches (tolerance 0.02) | bound |');
console.log('| --- | --- | --- | --- |');
const aaRuns = { 10: runs(500), 100: runs(200), 1000: runs(40) } as const;
for (const rate of RATES) {
  const summary = simulateScenario({
    treatment: SCENARIOS['same distribution (A/A)'],
    perSecond: rate,
    seconds: 3600,
    seed: 20261206 + rate,
    runs: aaRuns[rate],
    guardrails: ['distribution'],
  });
  console.log(`| ${rate} | ${summary.runs} × 3,600 | ${pct(summary.acted.distribution)} | 5 % |`);
  progress(`A/A at ${rate}/s`);
}

console.log('\n### Changes of shape: median time to act (share of runs that acted within the hour)\n');
console.log(
  '| change | observations/s | runs | distribution (0.02) | mean (+10%) | p50 (+10%) | p99 (+10%) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
const changeRuns = { 10: runs(100), 100: runs(100), 1000: runs(20) } as const;
const changes = Object.keys(SCENARIOS).filter((name) => !name.includes('A/A')) as ScenarioName[];
for (const name of changes) {
  for (const rate of RATES) {
    const summary = simulateScenario({
      treatment: SCENARIOS[name],
      perSecond: rate,
      seconds: 3600,
      seed: 4100 + rate,
      runs: changeRuns[rate],
    });
    const cells = GUARDRAILS.map((g) => {
      const seconds = summary.medianSeconds[g];
      return seconds === null ? `missed (${pct(0)})` : `${seconds} s (${pct(summary.acted[g])})`;
    });
    console.log(`| ${name} | ${rate} | ${summary.runs} | ${cells.join(' | ')} |`);
    progress(`${name} at ${rate}/s`);
  }
}
