#!/usr/bin/python3
"""Python half of the least-squares benchmark (see run.sh).

usage: bench.py DIR ridge|lstsq [REPS]

Loads DIR/X.npy and DIR/Y.npy, fits Y on X with scikit-learn's
Ridge(solver='cholesky', alpha=1e-6, fit_intercept=False) or numpy's
lstsq REPS times (default 1), prints the best fit time (load excluded) and this process's peak RSS,
and compares the coefficients with DIR/B_go.npy when it exists.
"""
import os
import resource
import sys
import time

import numpy as np


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[2] not in ("ridge", "lstsq"):
        sys.exit(__doc__)
    d, how = sys.argv[1], sys.argv[2]
    reps = int(sys.argv[3]) if len(sys.argv) == 4 else 1
    t0 = time.perf_counter()
    X = np.load(os.path.join(d, "X.npy"))
    Y = np.load(os.path.join(d, "Y.npy"))
    load = time.perf_counter() - t0
    from sklearn.linear_model import Ridge  # imported before the clock starts

    fit = float("inf")
    for _ in range(reps):
        t1 = time.perf_counter()
        if how == "ridge":
            B = Ridge(alpha=1e-6, solver="cholesky", fit_intercept=False).fit(X, Y).coef_.T
            label = "sklearn Ridge(cholesky, alpha=1e-6)"
        else:
            B = np.linalg.lstsq(X, Y, rcond=None)[0]
            label = "numpy lstsq"
        fit = min(fit, time.perf_counter() - t1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # KB -> GB
    n, p = X.shape
    print(f"{label}: n={n} p={p} V={Y.shape[1]} load {load:.2f} s, fit {fit:.3f} s (best of {reps}), peak RSS {peak:.2f} GB")
    go = os.path.join(d, "B_go.npy")
    if os.path.exists(go):
        Bg = np.load(go)
        rel = np.abs(Bg - B).max() / np.abs(B).max()
        print(f"  max |B_go - B| / max |B| = {rel:.2e}")


if __name__ == "__main__":
    main()
