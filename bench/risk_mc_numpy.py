#!/usr/bin/python3
"""numpy baseline for the scsm Monte Carlo benchmark (bench/risk_quant.sh).

The same model as scsm.portfolio_losses: for each scenario a compound
Poisson annual loss (N ~ Poisson(rate), magnitudes lognormal from a 90 %
interval [p5, p95], or PERT(min, mode, max)), summed per iteration across
scenarios.  Vectorised the usual way (riskquant / pyfair style): one
poisson() draw per scenario for all iterations, one magnitude draw for all
events, bincount to add the events back to their iterations.

usage: risk_mc_numpy.py ITERATIONS SCENARIO_FILE
SCENARIO_FILE lines: rate kind a b [c]   (kind = lognormal | pert)
Prints: wall_seconds cpu_seconds scenario_years mean_of_portfolio
"""
import sys
import time

import numpy as np

Z95 = 1.6448536269514722


def main():
    n = int(sys.argv[1])
    scen = [l.split() for l in open(sys.argv[2]) if l.strip()]
    rng = np.random.default_rng(20261127)
    t0 = time.perf_counter()
    c0 = time.process_time()
    total = np.zeros(n)
    it = np.arange(n)
    for row in scen:
        rate, kind = float(row[0]), row[1]
        counts = rng.poisson(rate, n)
        k = int(counts.sum())
        if kind == "lognormal":
            lo, hi = float(row[2]), float(row[3])
            mu = (np.log(lo) + np.log(hi)) / 2
            sigma = (np.log(hi) - np.log(lo)) / (2 * Z95)
            mags = rng.lognormal(mu, sigma, k)
        else:
            a, m, b = float(row[2]), float(row[3]), float(row[4])
            al = 1 + 4 * (m - a) / (b - a)
            be = 1 + 4 * (b - m) / (b - a)
            mags = a + (b - a) * rng.beta(al, be, k)
        total += np.bincount(np.repeat(it, counts), weights=mags, minlength=n)
    dt = time.perf_counter() - t0
    dc = time.process_time() - c0
    print(f"{dt:.4f} {dc:.4f} {n * len(scen)} {total.mean():.6g}")


if __name__ == "__main__":
    main()
