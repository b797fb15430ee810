// The changes of shape STATISTICS.md §3 measures the distribution check on. The control is always the
// latency-like log-normal of the other simulations, e^N(−1.5, 0.5): median 0.223 s, mean 0.253 s, p95 0.507 s,
// p99 0.714 s. Each treatment keeps something a one-number guardrail watches and changes the shape.

/** Draws one value from the seeded normal generator `normal(mean, sd)`. */
export type Sampler = (normal: (mean: number, sd: number) => number) => number;

export const MU = -1.5;
export const SIGMA = 0.5;
const Z95 = 1.6448536269514722;
const Z99 = 2.3263478740408408;
export const P95 = Math.exp(MU + Z95 * SIGMA);
export const P99 = Math.exp(MU + Z99 * SIGMA);

export const control: Sampler = (normal) => Math.exp(normal(MU, SIGMA));

// Same mean, twice the variance: for a log-normal the mean is e^(μ + σ²/2) and the variance is proportional
// to e^(σ²) − 1 at a fixed mean, so σ'² = ln(1 + 2(e^(σ²) − 1)) and μ' = μ + (σ² − σ'²)/2.
const SIGMA_DOUBLED = Math.sqrt(Math.log(1 + 2 * Math.expm1(SIGMA ** 2)));
const MU_DOUBLED = MU + (SIGMA ** 2 - SIGMA_DOUBLED ** 2) / 2;

export const doubledVariance: Sampler = (normal) => Math.exp(normal(MU_DOUBLED, SIGMA_DOUBLED));

/** 5 % of requests take a new slow path around 4× the median (e^N(−1.5 + ln 4, 0.3): median 0.89 s). */
// A standard normal above its 95th percentile picks the 5 %: one generator keeps the run's stream seeded.
export const slowMode: Sampler = (normal) =>
  normal(0, 1) > Z95 ? Math.exp(normal(MU + Math.log(4), 0.3)) : Math.exp(normal(MU, SIGMA));

/**
 * The tail between p95 and p99 pushed up towards p99: a value there moves to p99 − (p99 − x)/4. Below p95 and
 * above p99 nothing changes, so p50 and p99 stay exactly where they were and the mean rises by about 1.5 %.
 */
export const tailBetweenP95AndP99: Sampler = (normal) => {
  const x = Math.exp(normal(MU, SIGMA));
  return x > P95 && x < P99 ? P99 - (P99 - x) / 4 : x;
};

export const SCENARIOS = {
  'same distribution (A/A)': control,
  'variance doubled, same mean': doubledVariance,
  'a slow mode with 5 % of requests': slowMode,
  'the tail between p95 and p99 moved up': tailBetweenP95AndP99,
} as const satisfies Record<string, Sampler>;

export type ScenarioName = keyof typeof SCENARIOS;
