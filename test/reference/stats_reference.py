#!/usr/bin/python3
"""Reference values for rollout-guard's statistics, computed independently of the TypeScript code.

Run with Debian's Python and SciPy (apt-get install -y python3-scipy):

    /usr/bin/python3 test/reference/stats_reference.py > test/reference/stats-reference.json

packages/shared/src/stats/reference.test.ts reads the JSON and checks the TypeScript against it.
Nothing here imports or ports the TypeScript: quantiles come from numpy, variances from numpy and
scipy's Welch t-test, normal quantiles and binomial probabilities from scipy.stats, and the
normal-mixture radius is solved with scipy.optimize and checked against the mSPRT statistic.
"""
import json
import math

import numpy as np
import scipy
from scipy import optimize, stats


def histogram_quantile(q, bounds, counts):
    """Prometheus histogram_quantile semantics, written from its documentation: find the bucket
    holding rank q*count and interpolate linearly inside it; the first bucket starts at 0 when
    its upper bound is positive; a rank in the +Inf bucket returns the last finite bound."""
    total = sum(counts)
    rank = q * total
    cum = 0
    for i, c in enumerate(counts):
        if c > 0 and cum + c >= rank:
            if i == len(bounds):
                return bounds[-1]
            upper = bounds[i]
            lower = bounds[i - 1] if i > 0 else (0.0 if upper > 0 else upper)
            if i == 0 and upper <= 0:
                return upper
            return lower + (upper - lower) * (rank - cum) / c
        cum += c
    return None


def optimal_ratio(alpha):
    # d/dx (1 + 1/x)(ln(1+x) - 2 ln a) = 0  <=>  x - ln(1+x) + 2 ln a = 0
    return optimize.brentq(lambda x: x - math.log1p(x) + 2 * math.log(alpha), 1e-9, 1e3, xtol=1e-15, rtol=1e-15)


def mixture_radius(v, vh, alpha):
    tau2 = optimal_ratio(alpha) * vh
    return math.sqrt(v * (v + tau2) / tau2 * (math.log((v + tau2) / v) - 2 * math.log(alpha)))


def msprt_statistic(theta_hat, v, tau2):
    # Johari, Pekelis & Walsh: likelihood ratio of N(0, tau2)-mixed alternatives vs theta = 0
    return math.sqrt(v / (v + tau2)) * math.exp(tau2 * theta_hat ** 2 / (2 * v * (v + tau2)))


out = {"generator": "test/reference/stats_reference.py", "numpy": np.__version__, "scipy": scipy.__version__}

# 1. Quantiles of explicit-bucket histograms (no min/max known, as from Prometheus).
hist_cases = []
for bounds, counts, q in [
    ([0.1, 0.25, 0.5, 1.0], [10, 20, 30, 25, 15], 0.5),
    ([0.1, 0.25, 0.5, 1.0], [10, 20, 30, 25, 15], 0.9),
    ([0.1, 0.25, 0.5, 1.0], [10, 20, 30, 25, 15], 0.95),
    ([0.1, 0.25, 0.5, 1.0], [10, 20, 30, 25, 15], 0.05),
    ([0.1, 0.25, 0.5, 1.0], [10, 20, 30, 25, 15], 0.99),
    ([1, 2, 4, 8], [0, 0, 7, 1, 0], 0.5),
    ([1, 2, 4, 8], [0, 0, 7, 1, 0], 0.99),
    ([-1, 0, 1], [5, 5, 5, 5], 0.2),
    ([-1, 0, 1], [5, 5, 5, 5], 0.6),
]:
    hist_cases.append({"bounds": bounds, "counts": counts, "q": q, "value": histogram_quantile(q, bounds, counts)})
out["histogramQuantiles"] = hist_cases

# 2. Raw-sample quantiles: numpy's default 'linear' method (Hyndman & Fan type 7).
rng = np.random.default_rng(20261121)
sample = np.round(rng.lognormal(mean=-1.0, sigma=0.8, size=37), 4)
out["sampleQuantiles"] = {
    "values": sample.tolist(),
    "cases": [{"q": q, "value": float(np.quantile(sample, q))} for q in [0, 0.1, 0.25, 0.5, 0.9, 0.99, 1]],
}

# 3. Moments and Welch's variance.
a = np.round(rng.normal(10.0, 2.0, size=40), 3)
b = np.round(rng.normal(10.7, 3.0, size=55), 3)
welch = stats.ttest_ind(a, b, equal_var=False)
se = (a.mean() - b.mean()) / welch.statistic
out["welch"] = {
    "treatment": a.tolist(),
    "control": b.tolist(),
    "meanTreatment": float(a.mean()),
    "meanControl": float(b.mean()),
    "varianceTreatment": float(np.var(a, ddof=1)),
    "varianceControl": float(np.var(b, ddof=1)),
    # the variance of the difference of means, recovered from scipy's Welch t statistic
    "differenceVariance": float(se ** 2),
}

# 4. Normal quantiles.
out["normalQuantiles"] = [{"p": p, "z": float(stats.norm.ppf(p))} for p in [0.975, 0.9875, 0.995, 0.9975, 0.95]]

# 5. Normal-mixture radius, and that it is exactly where the mSPRT crosses 1/alpha.
radius_cases = []
for v, vh, alpha in [(1e-6, 2e-7, 0.05), (4e-4, 1e-4, 0.05), (1.0, 1.0, 0.05), (0.01, 0.5, 0.01), (2.5e-5, 5e-6, 0.1)]:
    x = optimal_ratio(alpha)
    r = mixture_radius(v, vh, alpha)
    assert abs(msprt_statistic(r, v, x * vh) * alpha - 1) < 1e-9
    radius_cases.append({"variance": v, "horizonVariance": vh, "alpha": alpha, "ratio": x, "radius": r})
out["mixtureRadius"] = radius_cases

# 6. Mean-difference interval from the Welch data at a horizon of 50 samples per cohort, alpha 0.05.
va, vb = np.var(a, ddof=1), np.var(b, ddof=1)
r = mixture_radius(va / len(a) + vb / len(b), (va + vb) / 50, 0.05)
d = a.mean() - b.mean()
out["meanDifferenceInterval"] = {"horizon": 50, "confidence": 0.95, "estimate": float(d), "lower": float(d - r), "upper": float(d + r)}

# 7. Proportion difference with Agresti-Caffo pseudo-counts in the variance only.
def unit_var(x, n):
    p = (x + 1) / (n + 2)
    return p * (1 - p)

prop_cases = []
for xt, nt, xc, nc, horizon, conf in [(40, 2000, 20, 2000, 20000, 0.95), (0, 150, 0, 140, 20000, 0.95), (310, 12000, 118, 11800, 20000, 0.99)]:
    v = unit_var(xt, nt) / nt + unit_var(xc, nc) / nc
    vh = (unit_var(xt, nt) + unit_var(xc, nc)) / horizon
    r = mixture_radius(v, vh, 1 - conf)
    est = xt / nt - xc / nc
    prop_cases.append({"treatment": [xt, nt], "control": [xc, nc], "horizon": horizon, "confidence": conf,
                       "estimate": est, "lower": est - r, "upper": est + r})
out["proportionDifference"] = prop_cases

# 8. Quantile rank bands. The number B of observations at or below the true q-quantile is
#    Binomial(n, q); the interval [X_(low), X_(high)] covers it exactly when low <= B <= high - 1.
#    Sequential bands come from the mixture radius; fixed-sample (baseline) bands from binomial
#    quantiles. Each case prints its exact fixed-sample coverage from the binomial CDF.
band_cases = []
for n, q, alpha, horizon, sequential in [(1000, 0.5, 0.05, 20000, True), (1000, 0.99, 0.05, 20000, True),
                                         (20000, 0.99, 0.05, 20000, True), (500, 0.9, 0.025, 20000, False),
                                         (5000, 0.99, 0.025, 20000, False), (120, 0.5, 0.05, 20000, False)]:
    var = q * (1 - q)
    if sequential:
        rad = mixture_radius(var / n, var / horizon, alpha)
        low = math.ceil(n * (q - rad))
        high = math.floor(n * (q + rad)) + 1
    else:
        rad = None
        k = int(stats.binom.ppf(alpha / 2, n, q))
        low = k + 1 if stats.binom.cdf(k, n, q) <= alpha / 2 else k
        high = int(stats.binom.ppf(1 - alpha / 2, n, q)) + 1
    coverage = stats.binom.cdf(high - 1, n, q) - stats.binom.cdf(low - 1, n, q)
    band_cases.append({"n": n, "q": q, "alpha": alpha, "horizon": horizon, "sequential": sequential,
                       "radius": rad, "low": low, "high": high, "fixedSampleCoverage": float(coverage)})
out["quantileRankBands"] = band_cases

# 9. Exponential-histogram bucket indexes (OTLP: bucket i holds (base^i, base^(i+1)], base = 2^(2^-scale)).
exp_cases = []
for value, scale in [(1.0, 0), (3.0, 0), (1000.0, 3), (0.001, 5), (7.3, -1), (2.0 ** 0.5, 1), (123.456, 8)]:
    base = 2.0 ** (2.0 ** -scale)
    index = math.ceil(math.log(value, base)) - 1
    while base ** index >= value:
        index -= 1
    while base ** (index + 1) < value:
        index += 1
    exp_cases.append({"value": value, "scale": scale, "index": index})
out["exponentialIndexes"] = exp_cases

print(json.dumps(out, indent=1))
