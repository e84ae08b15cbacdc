#!/usr/bin/python3
"""HIGGS-style synthetic binary data for the gbdt benchmark.

    /usr/bin/python3 bench/gbdt_gen.py [NTRAIN] [NTEST] [OUTDIR]

28 numeric features (21 "low-level" ones with heavy tails and correlations,
7 "high-level" nonlinear combinations of them, as in HIGGS), label =
Bernoulli(logistic(f(x))) with a nonlinear f (interactions, thresholds,
sines), then 10% of labels flipped.  Fixed seed, so both sides of the
benchmark read the same bytes.  Writes gbdt_train.csv and gbdt_test.csv.
"""
import sys
import numpy as np

ntrain = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
ntest = int(sys.argv[2]) if len(sys.argv) > 2 else 200000
outdir = sys.argv[3] if len(sys.argv) > 3 else "bench/out"
rng = np.random.default_rng(20240611)
n = ntrain + ntest

low = np.empty((n, 21))
z = rng.standard_normal((n, 21))
low[:, :7] = np.abs(z[:, :7]) * 1.5 + rng.exponential(0.5, (n, 7))   # momenta-like
low[:, 7:14] = z[:, 7:14] + 0.5 * z[:, 0:7]                            # correlated etas
low[:, 14:21] = rng.uniform(-np.pi, np.pi, (n, 7))                     # angles
high = np.empty((n, 7))
high[:, 0] = np.sqrt(low[:, 0] * low[:, 1] * (1 + np.cos(low[:, 14] - low[:, 15])))
high[:, 1] = np.log1p(low[:, 2] + low[:, 3]) * np.cosh(0.3 * low[:, 7])
high[:, 2] = low[:, 4] * np.sin(low[:, 16]) + low[:, 5] * np.cos(low[:, 17])
high[:, 3] = np.abs(low[:, 8] - low[:, 9]) + 0.2 * rng.standard_normal(n)
high[:, 4] = low[:, 6] / (1 + np.abs(low[:, 10]))
high[:, 5] = np.maximum(low[:, 0], low[:, 2]) - np.minimum(low[:, 1], low[:, 3])
high[:, 6] = np.tanh(low[:, 11] * low[:, 12]) + 0.1 * low[:, 13]
x = np.hstack([low, high])

f = (0.8 * (high[:, 0] - 2.0)
     - 0.6 * high[:, 3]
     + 1.2 * np.tanh(high[:, 2])
     + 0.7 * np.sin(low[:, 18]) * (low[:, 7] > 0)
     + 0.5 * (low[:, 4] > 1.5) * (low[:, 11] < 0)
     + 0.4 * high[:, 6] * high[:, 4]
     - 0.3 * low[:, 12] ** 2 + 0.3
     + 0.25 * np.cos(2 * low[:, 19]) * high[:, 1])
p = 1 / (1 + np.exp(-f))
y = (rng.uniform(size=n) < p).astype(int)
flip = rng.uniform(size=n) < 0.10
y[flip] = 1 - y[flip]

cols = ["f%d" % j for j in range(28)]
header = ",".join(cols + ["y"])
for name, lo, hi in (("gbdt_train.csv", 0, ntrain), ("gbdt_test.csv", ntrain, n)):
    data = np.hstack([x[lo:hi], y[lo:hi, None]])
    fmt = ["%.6g"] * 28 + ["%d"]
    np.savetxt("%s/%s" % (outdir, name), data, fmt=fmt, delimiter=",", header=header,
               comments="")
print("wrote %d train, %d test rows to %s (positive rate %.3f)" % (ntrain, ntest, outdir, y.mean()))
