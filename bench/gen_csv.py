#!/usr/bin/env python3
"""Writes a deterministic numeric CSV for the load benchmark.

    python3 bench/gen_csv.py [ROWS] [OUT]     (default 1000000, bench/out/numeric_1m.csv)

29 columns: 22 floats with 1-8 decimals, 6 ints, 1 wide-range float (repr);
negatives throughout, ~1% missing (empty fields).  Fixed seed, plain
python3 (no numpy); each column's text is built from a pre-drawn pool with
random.choices so a million rows take seconds, not minutes.
"""
import os
import random
import sys


def column_pool(rng, kind, size=50000):
    vals = []
    for _ in range(size):
        if kind == "float":
            v = rng.gauss(0, 1) * 10 ** rng.randint(0, 2)
            vals.append("%.*f" % (rng.randint(1, 8), v))
        elif kind == "int":
            vals.append(str(rng.randint(-10 ** rng.randint(1, 6), 10 ** rng.randint(1, 6))))
        else:
            vals.append(repr(rng.uniform(-1, 1) * 10 ** rng.randint(-5, 8)))
    return vals


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "out", "numeric_1m.csv")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    rng = random.Random(20240601)
    kinds = ["float"] * 22 + ["int"] * 6 + ["wide"]
    names = ["f%d" % i for i in range(22)] + ["i%d" % i for i in range(6)] + ["w0"]
    pools = [column_pool(rng, k) + [""] * 505 for k in kinds]   # ~1% missing
    block = 20000
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write(",".join(names) + "\n")
        done = 0
        while done < rows:
            n = min(block, rows - done)
            cols = [rng.choices(p, k=n) for p in pools]
            f.write("\n".join(",".join(r) for r in zip(*cols)))
            f.write("\n")
            done += n
    os.replace(tmp, out)
    print(out)


if __name__ == "__main__":
    main()
