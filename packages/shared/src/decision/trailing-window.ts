/**
 * A trailing window (`window: 1h`) that keeps the always-valid guarantee over the whole life of a wave.
 *
 * A confidence sequence is valid over data that only accumulates; a window that slides drops data, so each of
 * its intervals is valid for that window alone and the chance of a false alarm grows with every hour the wave
 * bakes. Instead the window restarts every half window length, counted from the wave's start, and each
 * restart k = 0, 1, 2, … starts a fresh confidence sequence at its own share of the error budget,
 * α_k = α / ((k + 1)(k + 2)). The shares sum to α (1/((k+1)(k+2)) = 1/(k+1) − 1/(k+2) telescopes), so by the
 * union bound every interval of every restart covers the truth at once with probability ≥ 1 − α, however
 * long the wave bakes. At time t the window reads from the restart before the latest one: between half and
 * the whole window length of data (the first window length of the wave: all of it).
 *
 * The cost is width, growing slowly with the wave's age: the radius grows like √(ln(1+x) − 2 ln α_k); for
 * α = 0.05 and `1h` that is ≈ 1.1× at one hour, 1.3× at 6 hours, 1.5× at 24 hours (STATISTICS.md).
 */
export interface TrailingWindow {
  /** Where the window's data starts (epoch ms): the wave's start or a restart. */
  readonly from: number;
  /** Which restart: 0 for the wave's start, then one every half window length. */
  readonly restart: number;
  /** The confidence this restart's intervals are computed at: 1 − α_k. */
  readonly confidence: number;
}

export function trailingWindow(
  waveStart: number,
  now: number,
  windowMs: number,
  confidence: number,
): TrailingWindow {
  const half = windowMs / 2;
  const elapsed = Math.max(0, now - waveStart);
  const restart = Math.max(0, Math.floor(elapsed / half) - 1);
  return { from: waveStart + restart * half, restart, confidence: restartConfidence(confidence, restart) };
}

/** 1 − α/((k + 1)(k + 2)): restart k's share of the error budget 1 − `confidence`. */
export function restartConfidence(confidence: number, restart: number): number {
  return 1 - (1 - confidence) / ((restart + 1) * (restart + 2));
}
