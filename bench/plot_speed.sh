#!/bin/sh
# Plot speed, wb against pandas + matplotlib (Agg), on the same 1M-row CSV:
#   hist     1M values binned, written as PNG;
#   scatter  1M points coloured by a 3-level class, written as PNG (wb
#            samples 500,000 for files and says so; matplotlib draws all);
#   text     wb only: the same scatter as 80x24 terminal text (4,000 points).
# Each is the whole command, CSV read included, median of 3 runs.
#   sh bench/plot_speed.sh [ROWS]        (default 1000000)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
WB=${WB:-$top/wb}
PY=${PY:-/usr/bin/python3}
ROWS=${1:-1000000}
out=$top/bench/out/plot-$ROWS
mkdir -p "$out"
export WB_DATADIR=${WB_DATADIR:-$top} MPLBACKEND=Agg
if [ ! -f "$out/data.csv" ]; then
	"$PY" - "$ROWS" "$out/data.csv" <<'PYEOF'
import sys, numpy as np
n, path = int(sys.argv[1]), sys.argv[2]
r = np.random.default_rng(7)
cls = r.integers(0, 3, n)
x = r.normal(cls * 2.0, 1.0)
y = 0.5 * x + r.normal(0, 1.0, n)
with open(path, "w") as f:
    f.write("x,y,class\n")
    names = np.array(["a", "b", "c"])[cls]
    for a, b, c in zip(x, y, names):
        f.write("%.6f,%.6f,%s\n" % (a, b, c))
PYEOF
fi

now() { date +%s.%N; }
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
timeit() { # command... -> seconds (median of 3)
	a=; for k in 1 2 3; do
		t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
		a="$a $(echo "$t1 - $t0" | bc -l)"
	done
	median3 $a
}

mpl_hist() {
	"$PY" -c "
import pandas as pd, matplotlib.pyplot as plt
d = pd.read_csv('$out/data.csv')
plt.figure(figsize=(8, 6)); plt.hist(d['x'], bins='fd'); plt.title('x')
plt.savefig('$out/mpl_hist.png', dpi=100)"
}
mpl_scatter() {
	"$PY" -c "
import pandas as pd, matplotlib.pyplot as plt
d = pd.read_csv('$out/data.csv')
plt.figure(figsize=(8, 6))
for c, g in d.groupby('class'): plt.scatter(g['x'], g['y'], s=1, label=c)
plt.legend(); plt.savefig('$out/mpl_scatter.png', dpi=100)"
}

wh=$(timeit "$WB" plot hist "$out/data.csv" x -o "$out/wb_hist.png" --log "$out/runs.db")
mh=$(timeit mpl_hist)
ws=$(timeit "$WB" plot scatter "$out/data.csv" x y --by class -o "$out/wb_scatter.png" --log "$out/runs.db")
ms=$(timeit mpl_scatter)
wt=$(timeit "$WB" plot scatter "$out/data.csv" x y --by class --text --size 80x24 --log "$out/runs.db")

printf '%-28s %10s %12s %8s\n' "plot ($ROWS rows, CSV read included)" "wb s" "matplotlib s" "ratio"
printf '%-28s %10.2f %12.2f %8.2f\n' "histogram -> PNG" "$wh" "$mh" "$(echo "$wh / $mh" | bc -l)"
printf '%-28s %10.2f %12.2f %8.2f\n' "scatter by class -> PNG" "$ws" "$ms" "$(echo "$ws / $ms" | bc -l)"
printf '%-28s %10.2f %12s %8s\n' "scatter -> 80x24 text" "$wt" "-" "-"
