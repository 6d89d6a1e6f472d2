"""Reference SSIM values from scikit-image for facemetrics' tests.

Usage: /usr/bin/python3 ssim_reference.py OUT.json   (Debian: apt-get install python3-skimage)

Makes a few seeded CHW image pairs of 8-bit values v (pixel = float32(v/255)), computes
structural_similarity(a, b, channel_axis=0, data_range=1) with the defaults
(7x7 uniform window, K1=0.01, K2=0.03, sample covariance; "window": "uniform") and, for
the last cases, with Wang et al.'s reference window (gaussian_weights=True, sigma=1.5,
use_sample_covariance=False: 11x11 Gaussian, population moments; "window": "gaussian"),
and writes the images (as 8-bit values) and the results to OUT.json. The committed
ssim_skimage.json was made this way.
"""
import json
import sys

import numpy as np
import skimage
from scipy.ndimage import uniform_filter
from skimage.metrics import structural_similarity

rng = np.random.RandomState(2024)


def smooth(shape):
    x = rng.rand(*shape).astype(np.float32)
    return uniform_filter(x, size=(1, 3, 3)).astype(np.float32)


cases = []


def add(name, a, b, window="uniform"):
    a = np.round(np.clip(a, 0, 1) * 255).astype(np.uint8)
    b = np.round(np.clip(b, 0, 1) * 255).astype(np.uint8)
    # float32 pixels as the Go code gets them, then float64 so that
    # scikit-image does not compute in float32.
    fa = (a / 255).astype(np.float32).astype(np.float64)
    fb = (b / 255).astype(np.float32).astype(np.float64)
    if window == "gaussian":
        v = structural_similarity(fa, fb, channel_axis=0, data_range=1, gaussian_weights=True,
                                  sigma=1.5, use_sample_covariance=False)
    else:
        v = structural_similarity(fa, fb, channel_axis=0, data_range=1)
    cases.append({"name": name, "shape": list(a.shape), "window": window, "a": a.ravel().tolist(),
                  "b": b.ravel().tolist(), "ssim": float(v)})


a = smooth((3, 16, 20))
add("noise added", a, a + 0.1 * rng.randn(*a.shape))
add("box blur", a, uniform_filter(a, size=(1, 5, 5)))
add("unrelated", a, smooth((3, 16, 20)))
add("contrast and brightness", a, 0.5 * a + 0.3)
b = smooth((1, 7, 7))
add("smallest image", b, b[:, ::-1, :])
c = smooth((2, 9, 30))
add("wide two-channel", c, np.roll(c, 1, axis=2))
add("constant vs textured", np.full((1, 8, 8), 0.5), smooth((1, 8, 8)))
d = smooth((3, 16, 20))
add("gaussian: noise added", d, d + 0.1 * rng.randn(*d.shape), "gaussian")
add("gaussian: box blur", d, uniform_filter(d, size=(1, 5, 5)), "gaussian")
e = smooth((1, 11, 11))
add("gaussian: smallest image", e, e[:, ::-1, :], "gaussian")
f = smooth((3, 13, 25))
add("gaussian: contrast and brightness", f, 0.6 * f + 0.25, "gaussian")

json.dump({"skimage": skimage.__version__, "cases": cases}, open(sys.argv[1], "w"))
