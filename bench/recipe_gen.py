#!/usr/bin/env python3
"""Writes the recipe benchmark input: 25 numeric + 4 categorical columns.

    python3 bench/recipe_gen.py [ROWS] [OUT]   (default 1000000, bench/out/recipe_1m.csv)

~2% missing in every column; categoricals have 3..40 levels with a long tail
(so one_hot's min_freq pooling has work to do).  Fixed seed, plain python3.
"""
import os
import random
import sys


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "out", "recipe_1m.csv")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    rng = random.Random(20240501)
    nnum, ncat = 25, 4
    cols = []
    for k in range(nnum):
        pool = ["%.4f" % (rng.gauss(k, 1 + k) * (10 if k % 5 == 0 else 1)) for _ in range(50000)]
        pool += [""] * 1000
        cols.append(rng.choices(pool, k=rows))
    for k, nlev in enumerate((3, 8, 15, 40)):
        levels = ["c%d_%s" % (k, chr(97 + j % 26) * (1 + j // 26)) for j in range(nlev)]
        weights = [1.0 / (j + 1) ** 1.5 for j in range(nlev)]
        col = rng.choices(levels, weights=weights, k=rows)
        for i in rng.sample(range(rows), rows // 50):
            col[i] = ""
        cols.append(col)
    names = ["x%d" % k for k in range(nnum)] + ["g%d" % k for k in range(ncat)]
    with open(out, "w") as f:
        f.write(",".join(names) + "\n")
        f.writelines(",".join(r) + "\n" for r in zip(*cols))
    print(out)


if __name__ == "__main__":
    main()
