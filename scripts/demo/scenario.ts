/**
 * The demo's contact center, as numbers. Effect sizes and rates are chosen so that the verdicts are
 * the same on every run, not merely likely: at the wave-1 checkpoint (~4,000 treatment contacts) the
 * −20% handle time sits about ten interval radii inside "at most −10%", and the regressed compliance
 * error rate (15%) is five times the 3% limit, so the cumulative rate of wave 2 crosses it within
 * seconds of the regression.
 */

export interface Scenario {
  /** Contacts per second across both cohorts; the wave's percent of them get the copilot. */
  readonly contactsPerSecond: number;
  readonly handleSeconds: { readonly control: Normal; readonly treatment: Normal };
  /** CSAT answers 1–5 with these probabilities (the same in both cohorts: the copilot does not hurt it). */
  readonly csatWeights: readonly number[];
  readonly complianceErrorRate: {
    readonly control: number;
    readonly treatment: number;
    readonly regressed: number;
  };
  /** Copilot answers only exist with the copilot on: a log-normal latency, capped below the 2 s limit. */
  readonly latencySeconds: { readonly median: number; readonly sigma: number; readonly cap: number };
  /** Share of contacts that close an agent's shift, and of those shifts that used the copilot. */
  readonly shiftPerContact: number;
  readonly sessionPerShift: number;
}

export interface Normal {
  readonly mean: number;
  readonly sd: number;
}

export const DEMO_SCENARIO: Scenario = {
  contactsPerSecond: 400,
  handleSeconds: { control: { mean: 300, sd: 60 }, treatment: { mean: 240, sd: 50 } },
  csatWeights: [0.03, 0.05, 0.12, 0.35, 0.45],
  complianceErrorRate: { control: 0.01, treatment: 0.01, regressed: 0.15 },
  latencySeconds: { median: 0.45, sigma: 0.35, cap: 1.5 },
  shiftPerContact: 0.5,
  sessionPerShift: 0.92,
};

/** Bucket bounds the SDK uses for the two histograms (fine enough for the variance of a mean). */
export const HANDLE_TIME_BOUNDS = Array.from({ length: 40 }, (_, i) => 30 * (i + 1));
export const CSAT_BOUNDS = [1, 2, 3, 4, 5];
export const LATENCY_BOUNDS = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5];

/** A seeded uniform generator (mulberry32): the same seed gives the same traffic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A standard normal draw (Box–Muller). */
export function standardNormal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** One contact as the contact center would record it. */
export interface Contact {
  readonly cohort: 'treatment' | 'control';
  readonly handleSeconds: number;
  readonly csat: number;
  readonly complianceError: boolean;
  /** Set for treatment contacts only. */
  readonly copilotLatencySeconds: number | null;
  readonly closesShift: boolean;
  readonly copilotSession: boolean;
}

/** What the generator does now: the share on the copilot (the wave's percent) and whether it regressed. */
export interface TrafficMode {
  readonly treatmentPercent: number;
  readonly regressed: boolean;
}

export function drawContact(scenario: Scenario, mode: TrafficMode, random: () => number): Contact {
  const cohort = random() * 100 < mode.treatmentPercent ? 'treatment' : 'control';
  const handle = scenario.handleSeconds[cohort];
  const handleSeconds = Math.max(10, handle.mean + handle.sd * standardNormal(random));
  const errorRate =
    cohort === 'control'
      ? scenario.complianceErrorRate.control
      : mode.regressed
        ? scenario.complianceErrorRate.regressed
        : scenario.complianceErrorRate.treatment;
  const { median, sigma, cap } = scenario.latencySeconds;
  const closesShift = random() < scenario.shiftPerContact;
  return {
    cohort,
    handleSeconds,
    csat: pickWeighted(scenario.csatWeights, random) + 1,
    complianceError: random() < errorRate,
    copilotLatencySeconds:
      cohort === 'treatment' ? Math.min(cap, median * Math.exp(sigma * standardNormal(random))) : null,
    closesShift,
    copilotSession: cohort === 'treatment' && closesShift && random() < scenario.sessionPerShift,
  };
}

function pickWeighted(weights: readonly number[], random: () => number): number {
  let r = random() * weights.reduce((sum, w) => sum + w, 0);
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i] ?? 0;
    if (r < 0) return i;
  }
  return weights.length - 1;
}
