#!/usr/bin/env python3
"""derive_regions.py: can the browser derive the region decoders from the
all-voxel decoder, so that the site data ship one matrix per subject and
latent space instead of two? (issue 21: the PCA data do not fit the 30 MB
budget.)

For D = Wᵀ(WWᵀ)⁻¹ (V × k) and a region r (a subset of its rows),
D_r = D[r]·H_r⁻¹·H with H = DᵀD and H_r = D[r]ᵀD[r]: exact in exact
arithmetic (with the bias column, which the subject files drop, so this
script compares derivations, not files). What matters for the format is how
the derivation amplifies the quantization of D: this script quantizes D to
b bits (symmetric, per column, plain rounding), derives the three region
decoders, and compares the latents they decode from the test patterns with
those the same derivation gives from the float D (the export's bar: every
latent correlates >= 0.999 with float).

  /usr/bin/python3 scripts/derive_regions.py out/fmri/sub-01/decoders.npz [more subject files]

Prints, per file and bit width, D's relative error and each derived region's
worst latent correlation and relative error.
"""
import sys

import numpy as np

REGIONS = ("occipital", "temporal", "frontoparietal")


def quantize(m, bits):
    q = 2 ** (bits - 1) - 1
    s = np.abs(m).max(axis=0, keepdims=True) / q
    return np.round(m / s) * s


def derive(f, d):
    h = d.T @ d
    out = {}
    for name in REGIONS:
        idx = f["roi." + name].astype(int)
        out[name] = (idx, d[idx] @ np.linalg.solve(d[idx].T @ d[idx], h))
    return out


def worst_corr(a, b):
    return min(np.corrcoef(x, y)[0, 1] for x, y in zip(a, b))


def main(paths):
    for path in paths:
        f = np.load(path)
        d = f["decoder.all"].astype(np.float64)
        p = f["test.patterns"].astype(np.float64)
        ref = derive(f, d)
        print(f"{path}: V {d.shape[0]}, k {d.shape[1]}, cond(D) {np.linalg.cond(d):.3g}")
        for bits in (4, 6, 8, 10, 12):
            dq = quantize(d, bits)
            got = derive(f, dq)
            cells = []
            for name, (idx, dr) in ref.items():
                c = worst_corr(p[:, idx] @ dr, p[:, idx] @ got[name][1])
                e = np.linalg.norm(got[name][1] - dr) / np.linalg.norm(dr)
                cells.append(f"{name} {c:.5f} ({e:.3g})")
            e = np.linalg.norm(dq - d) / np.linalg.norm(d)
            print(f"  {bits:2d} bits: D rel. error {e:.3g}, all voxels {worst_corr(p @ d, p @ dq):.5f}; derived, worst corr (rel. error): " + ", ".join(cells))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
