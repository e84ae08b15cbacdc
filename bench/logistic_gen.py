#!/usr/bin/env python3
"""Writes the data for bench/logistic_speed.sh: a binary target over 28
numeric features (correlated, unequal scales, a linear signal plus logistic
noise), as CSV for wb and libsvm format for liblinear, train and test.

    /usr/bin/python3 bench/logistic_gen.py [ROWS] [OUTDIR]
        (default 1000000 rows, bench/out/logistic; the test set is ROWS/5)

Fixed seed.  Also writes <name>.f64 (raw little-endian doubles, features
column-major then the label) for ad-hoc C drivers.
"""
import os
import sys

import numpy as np


def make(rng, n, p, beta, mix, scale, shift):
    z = rng.standard_normal((n, p)) @ mix
    x = z * scale + shift
    logit = 0.3 + z @ beta
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    return x, y


def write(out, name, x, y):
    n, p = x.shape
    hdr = ",".join(["f%d" % j for j in range(p)] + ["label"])
    text = np.char.mod("%.6g", x)
    with open(os.path.join(out, name + ".csv"), "w") as f:
        f.write(hdr + "\n")
        for i in range(n):
            f.write(",".join(text[i]) + ",%d\n" % y[i])
    with open(os.path.join(out, name + ".svm"), "w") as f:
        for i in range(n):
            f.write("%d " % y[i] + " ".join("%d:%s" % (j + 1, text[i, j]) for j in range(p)) + "\n")
    # The driver must see the same numbers as the CSV: round-trip the text.
    xs = text.astype(np.float64)
    np.concatenate([xs.T.ravel(), y.astype(np.float64)]).tofile(os.path.join(out, name + ".f64"))


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "out", "logistic")
    os.makedirs(out, exist_ok=True)
    p = 28
    rng = np.random.default_rng(20240528)
    beta = rng.normal(0, 0.5, p) * (rng.random(p) < 0.7)
    mix = np.eye(p) + 0.3 * rng.standard_normal((p, p)) / np.sqrt(p)
    scale = np.exp(rng.uniform(-1, 2, p))
    shift = rng.normal(0, 3, p)
    xtr, ytr = make(rng, rows, p, beta, mix, scale, shift)
    xte, yte = make(rng, max(rows // 5, 1), p, beta, mix, scale, shift)
    write(out, "train", xtr, ytr)
    write(out, "test", xte, yte)
    print("wrote %s/{train,test}.{csv,svm,f64}: %d + %d rows, %d features"
          % (out, rows, len(yte), p))


if __name__ == "__main__":
    main()
