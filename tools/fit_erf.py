"""Fit the rational approximation behind ember's float32 erf kernel.

erf(x) / x is fitted as P(t) / Q(t) in t = x^2 on [0, 4] (erf(x) rounds to
+-1 in float32 beyond |x| = 3.92), minimising the largest relative error by
iteratively reweighted linear least squares (Sanathanan-Koerner steps with
Lawson weights). Prints the coefficients, lowest power first, and the error
in float64; `ember/ops/_specfun.py` holds the numbers this printed.

    python tools/fit_erf.py [--num 6] [--den 5]
"""
from __future__ import annotations

import argparse
import math

import numpy as np


def fit(num_degree: int, den_degree: int, iterations: int = 200):
    x = np.linspace(1e-6, 4.0, 20001)
    t = x * x
    f = np.array([math.erf(v) / v for v in x])
    powers = np.vander(t, max(num_degree, den_degree) + 1, increasing=True)
    weights, q_prev = np.ones_like(t), np.ones_like(t)
    best = None
    for _ in range(iterations):
        # P(t) - f Q(t) = 0 with Q(0) = 1, divided by the last Q so the
        # linear residual approaches the true relative error
        system = np.concatenate([powers[:, :num_degree + 1],
                                 -(f[:, None] * powers[:, 1:den_degree + 1])], axis=1)
        scale = (weights / (q_prev * f))[:, None]
        coef, *_ = np.linalg.lstsq(system * scale, f * scale[:, 0], rcond=None)
        p, q = coef[:num_degree + 1], np.concatenate([[1.0], coef[num_degree + 1:]])
        q_prev = np.polyval(q[::-1], t)
        err = np.abs(np.polyval(p[::-1], t) / q_prev / f - 1)
        if best is None or err.max() < best[0]:
            best = (err.max(), p, q)
        weights = np.maximum(weights * np.sqrt(err / err.max()), 1e-8)
        weights /= weights.max()
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num", type=int, default=6)
    parser.add_argument("--den", type=int, default=5)
    args = parser.parse_args()
    err, p, q = fit(args.num, args.den)
    print("max relative error (float64):", err)
    print("P =", tuple(float(c) for c in p))
    print("Q =", tuple(float(c) for c in q))


if __name__ == "__main__":
    main()
